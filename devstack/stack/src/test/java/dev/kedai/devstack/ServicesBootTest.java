package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** System test: the five services start as the devstack starts them and answer their basics. */
@ExtendWith(StackFixture.class)
class ServicesBootTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @ParameterizedTest
    @EnumSource(KedaiService.class)
    void readyOnTheAdminPort(KedaiService service, Stack stack) throws Exception {
        HttpResponse<String> response = get(stack.adminUri(service).resolve(Readiness.READY_PATH));

        assertThat(response.statusCode()).as(service.id()).isEqualTo(200);
    }

    @ParameterizedTest
    @EnumSource(KedaiService.class)
    void prometheusMetricsOnTheAdminPort(KedaiService service, Stack stack) throws Exception {
        HttpResponse<String> response = get(stack.adminUri(service).resolve("/observe/metrics"));

        assertThat(response.statusCode()).as(service.id()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).get().asString().startsWith("text/plain");
        assertThat(response.body()).contains("# TYPE ");
    }

    @ParameterizedTest
    @EnumSource(KedaiService.class)
    void openApiOnTheServicePort(KedaiService service, Stack stack) throws Exception {
        HttpResponse<String> response = get(stack.httpUri(service).resolve("/openapi"));

        assertThat(response.statusCode()).as(service.id()).isEqualTo(200);
        assertThat(response.body()).contains("openapi");
    }

    /**
     * The stack is shared by every system test of the JVM: other tests may stock products meanwhile,
     * so the walk is retried until it sees one consistent state.
     */
    @Test
    void stockListPagesAddUpToItsTotal(Stack stack) {
        URI stock = stack.httpUri(KedaiService.STOCK);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode first = json(get(stock.resolve("/stock?size=7")));
            assertThat(first.get("page").asInt()).isEqualTo(1);
            assertThat(first.get("size").asInt()).isEqualTo(7);
            long total = first.get("total").asLong();
            Set<String> seen = new HashSet<>();
            for (int page = 1; page <= total / 7 + 2; page++) {
                JsonNode body = json(get(stock.resolve("/stock?size=7&page=" + page)));
                assertThat(body.get("total").asLong()).isEqualTo(total);
                long expected = Math.max(0, Math.min(7, total - (page - 1) * 7L));
                assertThat(body.get("items")).as("page %d of %d items", page, total).hasSize((int) expected);
                body.get("items").forEach(item -> seen.add(item.get("product_id").asText()));
            }
            assertThat(seen).as("every product once").hasSize((int) total);
        });
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return new ObjectMapper().readTree(response.body());
    }

    private static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

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

    /** The stack is shared by every system test of the JVM: other tests may have stocked products. */
    @Test
    void stockListIsAPage(Stack stack) throws Exception {
        HttpResponse<String> response = get(stack.httpUri(KedaiService.STOCK).resolve("/stock"));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = new ObjectMapper().readTree(response.body());
        assertThat(body.get("items").isArray()).isTrue();
        assertThat(body.get("total").asLong()).isGreaterThanOrEqualTo(body.get("items").size());
    }

    private static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

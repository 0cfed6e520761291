package dev.kedai.product;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.kedai.infra.DbAccount;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.security.TestTokens;
import dev.kedai.platform.server.KedaiServer;
import dev.kedai.platform.testing.TestHttp;
import dev.kedai.platform.testing.TestServiceConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.kedai.platform.testing.TestHttp.assertProblem;
import static dev.kedai.platform.testing.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * OpenSearch goes away while the shop is written to: searches answer 503 problem+json (or, where
 * {@code product.search.fallback: fulltext} is set, FULLTEXT answers), every other route works,
 * and when the node returns the indexer catches up until the index matches the database.
 */
class SearchOutageTest {

    private static final String ALIAS = TestSearchEngine.newAlias();
    private static TestTokens tokens;
    private static DbAccount db;
    private static KedaiServer server;
    private static KedaiServer withFallback;
    private static TestHttp http;
    private static TestHttp fallbackHttp;
    private static String admin;

    @BeforeAll
    static void start() {
        tokens = TestTokens.start();
        db = TestInfra.newDatabase("product");
        server = Main.start(TestServiceConfig.of(db, tokens, TestSearchEngine.config(ALIAS)));
        Map<String, String> fallback = new HashMap<>(TestSearchEngine.config(ALIAS));
        fallback.put("product.search.fallback", "fulltext");
        withFallback = Main.start(TestServiceConfig.of(db, tokens, fallback));
        http = new TestHttp(server.port());
        fallbackHttp = new TestHttp(withFallback.port());
        admin = "Bearer " + tokens.mint("admin-1", "admin");
    }

    @AfterAll
    static void stop() {
        for (KedaiServer s : new KedaiServer[] {server, withFallback}) {
            if (s != null) {
                s.stop();
            }
        }
        tokens.close();
    }

    @Test
    void searchAnswers503WhileTheEngineIsDownAndTheIndexCatchesUpAfter() {
        String before = create("Kopi Kintamani", "Bali arabica");
        awaitIndexMatchesDatabase();
        TestSearchEngine.refresh(ALIAS);
        assertThat(json(http.get("/products?q=kintamani")).get("items").findValuesAsText("product_id")).containsExactly(before);

        TestSearchEngine.stop();
        try {
            assertProblem(http.get("/products?q=kintamani"), 503);
            // the other routes do not need the engine
            assertThat(http.get("/products/" + before).statusCode()).isEqualTo(200);
            assertThat(http.get("/products?category=coffee").statusCode()).isEqualTo(200);
            assertThat(http.get("/categories").statusCode()).isEqualTo(200);
            // a replica configured to fall back answers from FULLTEXT instead
            assertThat(json(fallbackHttp.get("/products?q=kintamani")).get("items").findValuesAsText("product_id"))
                    .containsExactly(before);

            // the shop keeps writing: nothing of it may be missing from the index afterwards
            List<String> during = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                during.add(create("Kopi Flores " + i, "Bajawa beans"));
            }
            HttpResponse<String> patched = send("PATCH", "/products/" + during.get(0), "{\"name\":\"Kopi Flores Bajawa\"}");
            assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
            assertThat(send("DELETE", "/products/" + during.get(1), null).statusCode()).isEqualTo(204);
            assertProblem(http.get("/products?q=flores"), 503);
        } finally {
            TestSearchEngine.url();
        }

        awaitIndexMatchesDatabase();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            HttpResponse<String> answer = http.get("/products?q=flores");
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(json(answer).get("total").asLong()).isEqualTo(4);
        });
    }

    private static void awaitIndexMatchesDatabase() {
        await().atMost(Duration.ofSeconds(90))
                .untilAsserted(() -> assertThat(TestSearchEngine.differences(db, ALIAS)).isEmpty());
    }

    private static String create(String name, String description) {
        HttpResponse<String> created = send("POST", "/products", """
                {"sku":"SKU-%s","name":"%s","description":"%s","price":{"amount":50000},"category":"coffee"}
                """.formatted(UUID.randomUUID(), name, description));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return json(created).get("product_id").asText();
    }

    private static HttpResponse<String> send(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(http.uri(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request, "Authorization", admin);
    }
}

package dev.kedai.product;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import dev.kedai.infra.TestInfra;
import dev.kedai.platform.security.TestTokens;
import dev.kedai.platform.server.KedaiServer;
import dev.kedai.platform.testing.TcpProxy;
import dev.kedai.platform.testing.TestHttp;
import dev.kedai.platform.testing.TestServiceConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

import static dev.kedai.platform.testing.TestHttp.assertProblem;
import static dev.kedai.platform.testing.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis away (a {@link TcpProxy} cut between product and the real Redis): catalog reads, cached or
 * not, are answered from the database; an admin's write cannot have its token checked against the
 * deny list, so it fails closed with 503 and changes nothing. Once Redis is back, writes work and
 * reads see them.
 */
class ProductCacheOutageTest {

    private static TestTokens tokens;
    private static TcpProxy redis;
    private static KedaiServer server;
    private static TestHttp http;
    private static String admin;

    @BeforeAll
    static void start() {
        tokens = TestTokens.start();
        redis = TcpProxy.to(URI.create(TestInfra.get().redisUrl()));
        server = Main.start(TestServiceConfig.of(TestInfra.newDatabase("product"), tokens,
                                                 Map.of("redis.url", redis.url("redis"))));
        http = new TestHttp(server.port());
        admin = "Bearer " + tokens.mint("admin-1", "admin");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
        if (redis != null) {
            redis.close();
        }
        tokens.close();
    }

    @Test
    void readsComeFromTheDatabaseAndWritesFailClosedWhileRedisIsAway() {
        String cached = create("Kopi Toraja", 90_000);
        String uncached = create("Teh Tarik", 15_000);
        assertThat(price(cached)).isEqualTo(90_000);   // read through: now in the cache
        try (RedisClient direct = RedisClient.create(URI.create(TestInfra.get().redisUrl()))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> direct.hexists(ProductCache.key(cached), "b"));
        }

        redis.cut();
        try {
            for (int i = 0; i < 3; i++) {
                assertThat(price(cached)).isEqualTo(90_000);
                assertThat(price(uncached)).isEqualTo(15_000);
                HttpResponse<String> list = http.get("/products?category=outage&sort=price_asc");
                assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
            }
            assertProblem(patch(cached, 95_000), 503);
        } finally {
            redis.restore();
        }
        assertThat(price(cached)).as("the refused write changed nothing").isEqualTo(90_000);

        await().atMost(Duration.ofSeconds(30)).until(() -> patch(cached, 95_000).statusCode() == 200);
        assertThat(price(cached)).isEqualTo(95_000);
    }

    private static String create(String name, long price) {
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(http.uri("/products"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"sku":"OUT-%s","name":"%s","description":"for the outage test",
                         "price":{"amount":%d,"currency":"IDR"},"category":"outage"}""".formatted(UUID.randomUUID(), name, price))),
                "Authorization", admin);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
        return json(res).get("product_id").asText();
    }

    private static HttpResponse<String> patch(String id, long price) {
        return http.send(HttpRequest.newBuilder(http.uri("/products/" + id)).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"price\":{\"amount\":" + price + "}}")),
                "Authorization", admin);
    }

    private static long price(String id) {
        HttpResponse<String> res = http.get("/products/" + id);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return json(res).get("price").get("amount").asLong();
    }
}

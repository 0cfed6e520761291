package dev.kedai.product;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.infra.DbAccount;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.security.TestTokens;
import dev.kedai.platform.server.KedaiServer;
import dev.kedai.platform.testing.TestHttp;
import dev.kedai.platform.testing.TestServiceConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

import static dev.kedai.platform.testing.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Catalog list pages are cached per replica ({@link CatalogPages}), yet an admin's write is in the
 * very next page anyone reads, on any replica: two product replicas share one database and one
 * Redis; the admin writes through one, the pages are read through the other.
 */
class CatalogPagesTest {

    private static TestTokens tokens;
    private static KedaiServer writer;
    private static KedaiServer reader;
    private static TestHttp write;
    private static TestHttp read;
    private static String admin;
    private static DbAccount db;

    @BeforeAll
    static void start() {
        tokens = TestTokens.start();
        db = TestInfra.newDatabase("product");
        writer = Main.start(TestServiceConfig.of(db, tokens, Map.of()));
        reader = Main.start(TestServiceConfig.of(db, tokens, Map.of()));
        write = new TestHttp(writer.port());
        read = new TestHttp(reader.port());
        admin = "Bearer " + tokens.mint("admin-1", "admin");
    }

    @AfterAll
    static void stop() {
        for (KedaiServer server : new KedaiServer[] {writer, reader}) {
            if (server != null) {
                server.stop();
            }
        }
        tokens.close();
    }

    @Test
    void aWriteIsInTheNextPageOnEveryReplica() {
        String category = "pages-" + UUID.randomUUID().toString().substring(0, 8);
        String other = category + "-b";
        String cheap = create("Kopi Gayo", 40_000, category);
        String dear = create("Kopi Kintamani", 60_000, category);
        String byPrice = "/products?category=" + category + "&sort=price_asc&size=20";
        // both replicas have the page now (the reader twice: the second read is a cache hit)
        assertThat(ids(write, byPrice)).containsExactly(cheap, dear);
        assertThat(ids(read, byPrice)).containsExactly(cheap, dear);
        assertThat(ids(read, byPrice)).containsExactly(cheap, dear);

        // price
        assertThat(patch(cheap, "{\"price\":{\"amount\":70000}}")).isEqualTo(200);
        assertThat(ids(read, byPrice)).as("order after the price change").containsExactly(dear, cheap);
        assertThat(prices(read, byPrice)).containsExactly(60_000L, 70_000L);

        // category: moves from one category's pages to the other's, totals exact on both
        assertThat(ids(read, "/products?category=" + other)).isEmpty();
        assertThat(patch(dear, "{\"category\":\"" + other + "\"}")).isEqualTo(200);
        assertThat(page(read, byPrice).get("total").asLong()).isEqualTo(1);
        assertThat(ids(read, byPrice)).containsExactly(cheap);
        assertThat(ids(read, "/products?category=" + other)).containsExactly(dear);

        // active: a deleted product leaves every page, the default one too
        assertThat(ids(read, "/products?size=100")).contains(cheap);
        long total = page(read, "/products?size=100").get("total").asLong();
        assertThat(delete(cheap)).isEqualTo(204);
        assertThat(ids(read, byPrice)).isEmpty();
        assertThat(ids(read, "/products?size=100")).doesNotContain(cheap);
        assertThat(page(read, "/products?size=100").get("total").asLong()).isEqualTo(total - 1);

        // creation
        String added = create("Kopi Toraja", 50_000, category);
        assertThat(ids(read, byPrice)).containsExactly(added);
    }

    @Test
    void pagesAreServedFromMemoryUntilTheGenerationInRedisChanges() {
        String category = "gen-" + UUID.randomUUID().toString().substring(0, 8);
        String id = create("Teh Poci", 9_000, category);
        String path = "/products?category=" + category;
        AtomicLong price = new AtomicLong(9_000);
        try (RedisClient redis = RedisClient.create(URI.create(TestInfra.get().redisUrl()))) {
            // product events (this test's own creation among them) replace the generation when they
            // arrive; an attempt that saw it change meanwhile proves nothing and is made again
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                String generation = redis.get(CatalogPages.GENERATION);
                long cached = prices(read, path).getFirst();
                // a row changed behind the service's back (no write through it, no event)
                setPrice(id, price.addAndGet(100));
                long served = prices(read, path).getFirst();
                assertThat(redis.get(CatalogPages.GENERATION)).isEqualTo(generation);
                assertThat(served).as("served from the replica's memory").isEqualTo(cached).isLessThan(price.get());
            });
            // what a product event's refresh does: a new generation retires every replica's pages
            redis.set(CatalogPages.GENERATION, "test-" + UUID.randomUUID());
        }
        assertThat(prices(read, path)).containsExactly(price.get());
    }

    private static void setPrice(String id, long amount) throws Exception {
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             PreparedStatement update = c.prepareStatement("UPDATE products SET price_amount = ? WHERE product_id = ?")) {
            update.setLong(1, amount);
            update.setString(2, id);
            assertThat(update.executeUpdate()).isEqualTo(1);
        }
    }

    private static String create(String name, long price, String category) {
        HttpResponse<String> res = send("POST", "/products", """
                {"sku":"PG-%s","name":"%s","description":"for the pages test",
                 "price":{"amount":%d,"currency":"IDR"},"category":"%s"}""".formatted(UUID.randomUUID(), name, price,
                                                                                   category));
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
        return json(res).get("product_id").asText();
    }

    private static int patch(String id, String body) {
        return send("PATCH", "/products/" + id, body).statusCode();
    }

    private static int delete(String id) {
        return send("DELETE", "/products/" + id, null).statusCode();
    }

    private static HttpResponse<String> send(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(write.uri(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return write.send(request, "Authorization", admin);
    }

    private static JsonNode page(TestHttp http, String path) {
        HttpResponse<String> res = http.get(path);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return json(res);
    }

    private static List<String> ids(TestHttp http, String path) {
        return page(http, path).get("items").findValuesAsText("product_id");
    }

    private static List<Long> prices(TestHttp http, String path) {
        return page(http, path).get("items").findValues("price").stream().map(p -> p.get("amount").asLong()).toList();
    }
}

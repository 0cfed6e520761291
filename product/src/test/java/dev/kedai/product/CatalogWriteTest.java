package dev.kedai.product;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.platform.redis.RedisCopies;
import dev.kedai.contracts.Topics;
import dev.kedai.infra.DbAccount;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.events.CloudEvents;
import dev.kedai.platform.money.Money;
import dev.kedai.platform.security.TestTokens;
import dev.kedai.platform.server.KedaiServer;
import dev.kedai.platform.testing.TestHttp;
import dev.kedai.platform.testing.TestServiceConfig;
import dev.kedai.proto.product.v1.ProductCreated;
import dev.kedai.proto.product.v1.ProductDeleted;
import dev.kedai.proto.product.v1.ProductUpdated;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

import static dev.kedai.platform.testing.TestHttp.assertProblem;
import static dev.kedai.platform.testing.TestHttp.fieldsOf;
import static dev.kedai.platform.testing.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Admin writes, attribute filters, the cache's read-your-writes and the product events. */
class CatalogWriteTest {

    private static TestTokens tokens;
    private static KedaiServer server;
    private static TestHttp http;
    private static String admin;
    private static String customer;
    private static UnifiedJedis redis;

    @BeforeAll
    static void start() {
        tokens = TestTokens.start();
        DbAccount db = TestInfra.newDatabase("product");
        server = Main.start(TestServiceConfig.of(db, tokens, Map.of()));
        http = new TestHttp(server.port());
        admin = "Bearer " + tokens.mint("admin-1", "admin");
        customer = "Bearer " + tokens.mint("user-1", "customer");
        redis = RedisClient.create(URI.create(TestInfra.get().redisUrl()));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
        tokens.close();
        redis.close();
    }

    @Test
    void adminCreatesReplacesPatchesAndSoftDeletes() {
        String sku = "SKU-" + UUID.randomUUID();
        HttpResponse<String> created = send("POST", "/products", admin, """
                {"sku":"%s","name":"Sambal Bawang","description":"Chili relish with fried shallots",
                 "price":{"amount":32000,"currency":"IDR"},"category":"pantry","attributes":{"color":"red","spicy":true}}
                """.formatted(sku));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = json(created).get("product_id").asText();
        assertThat(created.headers().firstValue("Location")).hasValue("/products/" + id);
        assertThat(json(created).get("active").asBoolean()).isTrue();
        assertThat(json(http.get("/products/" + id)).get("attributes").get("spicy").asBoolean()).isTrue();

        HttpResponse<String> replaced = send("PUT", "/products/" + id, admin, """
                {"sku":"%s","name":"Sambal Bawang Pedas","description":"Hotter","price":{"amount":35000},"category":"pantry"}
                """.formatted(sku));
        assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(200);
        assertThat(json(replaced).get("attributes").isEmpty()).as("PUT replaces attributes too").isTrue();

        HttpResponse<String> patched = send("PATCH", "/products/" + id, admin, "{\"price\":{\"amount\":36000}}");
        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
        JsonNode now = json(http.get("/products/" + id));
        assertThat(now.get("name").asText()).isEqualTo("Sambal Bawang Pedas");
        assertThat(now.get("price").get("amount").asLong()).isEqualTo(36000);

        assertThat(send("DELETE", "/products/" + id, admin, null).statusCode()).isEqualTo(204);
        assertProblem(http.get("/products/" + id), 404);
        assertThat(json(http.get("/products?category=pantry")).get("items").findValuesAsText("product_id")).doesNotContain(id);
        assertProblem(send("DELETE", "/products/" + id, admin, null), 404);
        assertProblem(send("PATCH", "/products/" + id, admin, "{\"name\":\"x\"}"), 404);
    }

    @Test
    void writesNeedAnAdminAndAFreeSku() {
        String body = product("DUP-" + UUID.randomUUID(), "Kain Songket", 900000, "textile", "{}");
        assertProblem(send("POST", "/products", null, body), 401);
        assertProblem(send("POST", "/products", customer, body), 403);
        assertThat(send("POST", "/products", admin, body).statusCode()).isEqualTo(201);
        assertProblem(send("POST", "/products", admin, body), 409);
        assertProblem(send("PUT", "/products/" + UUID.randomUUID(), admin, body), 404);
    }

    @Test
    void badBodiesNameEveryFieldAndChangeNothing() {
        long before = json(http.get("/products")).get("total").asLong();
        var bad = send("POST", "/products", admin, """
                {"sku":"","name":"x","description":"d","price":{"amount":-1,"currency":"USD","discount":5},
                 "category":"Not A Slug","attributes":{"colour name":"red","nested":{"a":1}},"active":false}""");
        assertProblem(bad, 400);
        assertThat(fieldsOf(bad)).containsExactlyInAnyOrder("sku", "category", "active", "price.amount", "price.currency",
                "price.discount", "attributes.colour name", "attributes.nested");
        var missing = send("POST", "/products", admin, "{}");
        assertThat(fieldsOf(missing)).containsExactly("sku", "name", "description", "price", "category");
        assertThat(fieldsOf(send("POST", "/products", admin, "{\"sku\":\"A\",\"name\":\"n\",\"description\":\"\","
                + "\"price\":{\"amount\":\"12\"},\"category\":\"c\"}"))).containsExactly("price.amount");
        assertProblem(send("POST", "/products", admin, "{not json"), 400);
        assertProblem(send("PATCH", "/products/" + UUID.randomUUID(), admin, "{}"), 400);
        assertThat(fieldsOf(send("PATCH", "/products/not-a-uuid", admin, "{\"name\":\"n\"}"))).containsExactly("product_id");
        assertThat(json(http.get("/products")).get("total").asLong()).isEqualTo(before);
    }

    @Test
    void attributeFilterOnTheJsonColumn() {
        String red = id(send("POST", "/products", admin, product("RED-" + UUID.randomUUID(), "Kebaya Merah", 250000, "attire",
                "{\"color\":\"red\",\"size\":42}")));
        String blue = id(send("POST", "/products", admin, product("BLUE-" + UUID.randomUUID(), "Kebaya Biru", 260000, "attire",
                "{\"color\":\"blue\",\"size\":40}")));
        assertThat(ids("/products?category=attire&attr.color=red")).containsExactly(red);
        assertThat(ids("/products?category=attire&attr.size=40")).containsExactly(blue);
        assertThat(ids("/products?category=attire&attr.color=red&attr.size=40")).isEmpty();
        // a value that looks like SQL is just a value
        assertThat(ids("/products?attr.color=red%27%20OR%20%271%27=%271")).isEmpty();
        assertThat(fieldsOf(http.get("/products?attr.col%24or=red"))).containsExactly("attr.col$or");
    }

    @Test
    void fullTextRanksTheBetterMatchFirst() {
        String weak = id(send("POST", "/products", admin, product("W-" + UUID.randomUUID(), "Keranjang", 5000, "home", "{}")
                .replace("Keranjang from the test", "a basket, rambutan sized")));
        String strong = id(send("POST", "/products", admin, product("S-" + UUID.randomUUID(), "Rambutan Binjai", 30000, "fruit", "{}")
                .replace("Rambutan Binjai from the test", "Fresh rambutan: sweet rambutan from Binjai")));
        assertThat(ids("/products?q=rambutan")).containsExactly(strong, weak);
        assertThat(ids("/products?q=rambutan&sort=price_asc")).containsExactly(weak, strong);
        assertThat(ids("/products?q=rambutan&size=1&page=2")).containsExactly(weak);
    }

    @Test
    void noStalePriceIsServedOnceAnUpdateIsAcknowledged() throws Exception {
        String sku = "HOT-" + UUID.randomUUID();
        String id = id(send("POST", "/products", admin, product(sku, "Kopi Luwak", 1000, "coffee", "{}")));
        record Read(long startedNanos, long price) { }
        ConcurrentLinkedQueue<Read> reads = new ConcurrentLinkedQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        List<long[]> acks = new ArrayList<>();   // {acknowledged at, price}
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> readers = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
                readers.add(pool.submit(() -> {
                    while (running.get()) {
                        long started = System.nanoTime();
                        HttpResponse<String> res = http.get("/products/" + id);
                        assertThat(res.statusCode()).as("a read during the updates: %s", res.body()).isEqualTo(200);
                        reads.add(new Read(started, json(res).get("price").get("amount").asLong()));
                    }
                }));
            }
            try {
                for (int price = 1001; price <= 1040; price++) {
                    HttpResponse<String> res = send("PATCH", "/products/" + id, admin, "{\"price\":{\"amount\":" + price + "}}");
                    assertThat(res.statusCode()).isEqualTo(200);
                    acks.add(new long[] {System.nanoTime(), price});
                    assertThat(json(http.get("/products/" + id)).get("price").get("amount").asLong()).isEqualTo(price);
                }
            } finally {
                running.set(false);
            }
            for (Future<?> reader : readers) {
                reader.get();   // a reader's failed read fails the test here
            }
        }
        assertThat(reads).hasSizeGreaterThan(40);
        for (Read read : reads) {
            long newestAcked = acks.stream().filter(a -> a[0] < read.startedNanos()).mapToLong(a -> a[1]).max().orElse(1000);
            assertThat(read.price()).as("a read that started after price %d was acknowledged", newestAcked)
                    .isGreaterThanOrEqualTo(newestAcked);
        }
        // the ProductUpdated event refreshed the shared entry to the last price
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                redis.hget(ProductCache.key(id), "b")).contains("\"amount\":1040"));
    }

    /**
     * Two product replicas (a second server on the same database and Redis): once a write through
     * one is acknowledged, the other's next read of the product and of the catalog page shows it,
     * although it had both cached before the write.
     */
    @Test
    void aWriteThroughOneReplicaIsNeverFollowedByAStaleReadFromTheOther() {
        DbAccount db = TestInfra.newDatabase("product_two");
        KedaiServer a = Main.start(TestServiceConfig.of(db, tokens, Map.of()));
        KedaiServer b = Main.start(TestServiceConfig.of(db, tokens, Map.of()));
        try {
            TestHttp httpA = new TestHttp(a.port());
            TestHttp httpB = new TestHttp(b.port());
            String category = "two-" + UUID.randomUUID().toString().substring(0, 8);
            String id = id(send(httpA, "POST", "/products", admin, product("TWO-" + UUID.randomUUID(), "Teh tarik", 1000,
                    category, "{}")));
            String page = "/products?category=" + category;
            for (int round = 0; round < 2; round++) {   // the second time from B's cache
                assertThat(json(httpB.get("/products/" + id)).get("price").get("amount").asLong()).isEqualTo(1000);
                assertThat(json(httpB.get(page)).get("total").asLong()).isEqualTo(1);
            }

            assertThat(send(httpA, "PATCH", "/products/" + id, admin, "{\"price\":{\"amount\":1500}}").statusCode())
                    .isEqualTo(200);
            id(send(httpA, "POST", "/products", admin, product("TWO-" + UUID.randomUUID(), "Teh halia", 900, category, "{}")));

            assertThat(json(httpB.get("/products/" + id)).get("price").get("amount").asLong()).isEqualTo(1500);
            assertThat(json(httpB.get(page)).get("total").asLong()).isEqualTo(2);
        } finally {
            a.stop();
            b.stop();
        }
    }

    @Test
    void anOlderVersionCannotOverwriteTheInvalidation() {
        String id = UUID.randomUUID().toString();
        ProductCache cache = new ProductCache(RedisCopies.none(redis), Duration.ofMinutes(1));
        Product old = new Product(id, "S", "n", "d", new Money(1, "IDR"), "c", json(http.get("/categories")), true);
        assertThat(cache.invalidate(id, 5)).isTrue();
        cache.put(new StoredProduct(old, 4));    // a reader that loaded version 4 before the write
        assertThat(cache.get(id)).isEmpty();
        cache.put(new StoredProduct(old, 5));
        assertThat(cache.get(id)).isPresent();
        cache.invalidate(id, 6);
        assertThat(cache.get(id)).isEmpty();
    }

    @Test
    void etagOfCachedBodyAnswers304() {
        String id = id(send("POST", "/products", admin, product("ETAG-" + UUID.randomUUID(), "Teh Tarik", 15000, "tea", "{}")));
        HttpResponse<String> first = http.get("/products/" + id);
        HttpResponse<String> second = http.get("/products/" + id);    // from the cache
        String etag = first.headers().firstValue("ETag").orElseThrow();
        assertThat(second.headers().firstValue("ETag")).hasValue(etag);
        assertThat(http.get("/products/" + id, "If-None-Match", etag).statusCode()).isEqualTo(304);
        send("PATCH", "/products/" + id, admin, "{\"name\":\"Teh Tarik Susu\"}");
        assertThat(http.get("/products/" + id, "If-None-Match", etag).statusCode()).isEqualTo(200);
    }

    @Test
    void aCacheEntryWrittenBeforeTheEtagWasKeptWithItStillAnswersTheBodysEtag() {
        String id = id(send("POST", "/products", admin, product("OLD-" + UUID.randomUUID(), "Kopi Tubruk", 9000, "coffee", "{}")));
        String etag = http.get("/products/" + id).headers().firstValue("ETag").orElseThrow();
        redis.hdel(ProductCache.key(id), "e");    // as an older product version left it: body and version only
        HttpResponse<String> cached = http.get("/products/" + id);
        assertThat(cached.headers().firstValue("ETag")).hasValue(etag);
        assertThat(http.get("/products/" + id, "If-None-Match", etag).statusCode()).isEqualTo(304);
    }

    @Test
    void writesArePublishedThroughTheOutbox() {
        String id = id(send("POST", "/products", admin, product("EVT-" + UUID.randomUUID(), "Rendang", 120000, "food", "{}")));
        send("PATCH", "/products/" + id, admin, "{\"price\":{\"amount\":125000}}");
        send("DELETE", "/products/" + id, admin, null);
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfra.get().kafkaBootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<String, byte[]>> mine = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(TestServiceConfig.topic(Topics.PRODUCT)));
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (id.equals(r.key())) {
                        mine.add(r);
                    }
                });
                return mine.size() >= 3;
            });
        }
        assertThat(mine).extracting(r -> new String(r.headers().lastHeader(CloudEvents.TYPE).value(), StandardCharsets.UTF_8))
                .containsExactly("kedai.product.v1.ProductCreated", "kedai.product.v1.ProductUpdated",
                                 "kedai.product.v1.ProductDeleted");
        assertThat(parse(() -> ProductCreated.parseFrom(mine.get(0).value())).getPrice().getAmount()).isEqualTo(120000);
        assertThat(parse(() -> ProductUpdated.parseFrom(mine.get(1).value())).getPrice().getAmount()).isEqualTo(125000);
        assertThat(parse(() -> ProductDeleted.parseFrom(mine.get(2).value())).getProductId()).isEqualTo(id);
    }

    interface Parse<T> {
        T get() throws Exception;
    }

    private static <T> T parse(Parse<T> p) {
        try {
            return p.get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> ids(String path) {
        HttpResponse<String> res = http.get(path);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return json(res).get("items").findValuesAsText("product_id");
    }

    private static String id(HttpResponse<String> created) {
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return json(created).get("product_id").asText();
    }

    static String product(String sku, String name, long price, String category, String attributes) {
        return """
                {"sku":"%s","name":"%s","description":"%s","price":{"amount":%d,"currency":"IDR"},"category":"%s","attributes":%s}
                """.formatted(sku, name, name + " from the test", price, category, attributes);
    }

    private static HttpResponse<String> send(String method, String path, String authorization, String body) {
        return send(http, method, path, authorization, body);
    }

    private static HttpResponse<String> send(TestHttp http, String method, String path, String authorization, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(http.uri(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return authorization == null ? http.send(request) : http.send(request, "Authorization", authorization);
    }
}

package dev.kedai.stock;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.contracts.CatalogGeneration;
import dev.kedai.contracts.Topics;
import dev.kedai.infra.DbAccount;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.grpc.GrpcServer;
import dev.kedai.platform.security.TestTokens;
import dev.kedai.platform.server.KedaiServer;
import dev.kedai.platform.testing.TestHttp;
import dev.kedai.platform.testing.TestIdentities;
import dev.kedai.platform.testing.TestServiceConfig;
import dev.kedai.proto.cartorder.v1.AddItemRequest;
import dev.kedai.proto.cartorder.v1.AddToCart;
import dev.kedai.proto.cartorder.v1.Cart;
import dev.kedai.proto.cartorder.v1.CartItem;
import dev.kedai.proto.cartorder.v1.CartServiceGrpc;
import dev.kedai.proto.common.v1.Money;
import dev.kedai.proto.product.v1.GetProductsRequest;
import dev.kedai.proto.product.v1.GetProductsResponse;
import dev.kedai.proto.product.v1.Product;
import dev.kedai.proto.product.v1.ProductServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

import static dev.kedai.platform.testing.TestHttp.assertProblem;
import static dev.kedai.platform.testing.TestHttp.fieldsOf;
import static dev.kedai.platform.testing.TestHttp.json;
import static dev.kedai.stock.StockTestKit.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /cart/add} and {@code /cart/fallback} against contract-level doubles of product and
 * cartorder over real gRPC sockets: happy path, cartorder slow or down (202 + the command on
 * Kafka), product unknown or deleted (404), and bad input.
 */
class CartRoutesTest {

    private static final int SLOW = 77;   // a quantity the cart double answers too late
    private static final int DOWN = 66;   // a quantity the cart double answers UNAVAILABLE
    private static final int FULL = 55;
    private static final int BUSY = 44;   // a quantity the cart double refuses for being busy (its admission full)
    private static final int PRODUCT_CACHE_BYTES = 256 * 1024;
    private static final int POOL = 4;    // request connections: few, so the test can hold them all   // a quantity the cart double refuses: the cart holds 100 lines

    private static TestTokens tokens;
    private static DbAccount db;
    private static GrpcServer peers;
    private static KedaiServer server;
    private static TestHttp http;
    private static String customer;
    private static final Map<String, Product> CATALOG = new ConcurrentHashMap<>();
    /** GetProducts calls the product double answered, by product id. */
    private static final Map<String, AtomicInteger> LOOKUPS = new ConcurrentHashMap<>();
    private static final List<AddItemRequest> ADDS = new CopyOnWriteArrayList<>();
    private static final CountDownLatch NEVER = new CountDownLatch(1);

    /** Product's contract: unknown ids left out, deleted ones inactive. */
    static final class ProductDouble extends ProductServiceGrpc.ProductServiceImplBase {
        @Override
        public void getProducts(GetProductsRequest request, StreamObserver<GetProductsResponse> response) {
            GetProductsResponse.Builder answer = GetProductsResponse.newBuilder();
            request.getProductIdsList().forEach(id -> LOOKUPS.computeIfAbsent(id, x -> new AtomicInteger()).incrementAndGet());
            request.getProductIdsList().stream().map(CATALOG::get).filter(p -> p != null).forEach(answer::addProducts);
            response.onNext(answer.build());
            response.onCompleted();
        }
    }

    /** Cartorder's contract: a one-line cart; the line may not exceed max_line_quantity. */
    static final class CartDouble extends CartServiceGrpc.CartServiceImplBase {
        @Override
        public void addItem(AddItemRequest request, StreamObserver<Cart> response) {
            ADDS.add(request);
            if (request.getQuantity() == SLOW) {
                try {
                    NEVER.await(3, TimeUnit.SECONDS);   // past stock's deadline
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (request.getQuantity() == DOWN) {
                response.onError(Status.UNAVAILABLE.asRuntimeException());
                return;
            }
            if (request.getQuantity() == BUSY) {
                response.onError(Status.RESOURCE_EXHAUSTED.withDescription("this service is busy, try again later")
                                         .asRuntimeException());
                return;
            }
            if (request.getQuantity() == FULL) {
                response.onError(Status.OUT_OF_RANGE.withDescription("the cart holds 100 different products")
                                         .asRuntimeException());
                return;
            }
            int existing = 5;   // the caller's line already holds 5
            if (request.getMaxLineQuantity() > 0 && existing + request.getQuantity() > request.getMaxLineQuantity()) {
                response.onError(Status.FAILED_PRECONDITION.asRuntimeException());
                return;
            }
            Product p = CATALOG.get(request.getProductId());
            int quantity = existing + request.getQuantity();
            Money line = Money.newBuilder().setAmount(p.getPrice().getAmount() * quantity).setCurrency("IDR").build();
            response.onNext(Cart.newBuilder()
                    .addItems(CartItem.newBuilder().setItemId("item-1").setProductId(p.getProductId()).setName(p.getName())
                                      .setUnitPrice(p.getPrice()).setQuantity(quantity).setLineTotal(line).setAvailable(true))
                    .setTotal(line)
                    .build());
            response.onCompleted();
        }
    }

    @BeforeAll
    static void start() throws Exception {
        tokens = TestTokens.start();
        db = TestInfra.newDatabase("stock");
        ProductDouble product = new ProductDouble();
        CartDouble cart = new CartDouble();
        peers = GrpcServer.builder(0).tls(TestIdentities.tls("cartorder")).callers(TestIdentities.allowingAll("stock", product, cart))
                .addService(product).addService(cart).build().start();
        String target = "127.0.0.1:" + peers.port();
        server = Main.start(TestServiceConfig.of(db, tokens, Map.of(
                "peers.product.grpc", target,
                "peers.cartorder.grpc", target,
                "peers.cartorder.deadline", "PT0.3S",
                "db.connection.maximumPoolSize", String.valueOf(POOL),
                "stock.cart-add.level-max-age", "PT1M",
                "stock.product-cache.max-bytes", String.valueOf(PRODUCT_CACHE_BYTES))));
        http = new TestHttp(server.port());
        customer = "Bearer " + tokens.mint("user-7", "customer");
    }

    @AfterAll
    static void stop() {
        NEVER.countDown();
        if (server != null) {
            server.stop();
        }
        if (peers != null) {
            peers.close();
        }
        tokens.close();
    }

    @Test
    void addChecksProductAndStockThenReturnsTheCallersCart() {
        String id = sellable("Kopi Toraja", 90000, 20);
        var res = post(http, "/cart/add", customer, add(id, 2));
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        JsonNode cart = json(res);
        assertThat(cart.get("items").get(0).get("quantity").asInt()).isEqualTo(7);
        assertThat(cart.get("items").get(0).get("unit_price").get("amount").asLong()).isEqualTo(90000);
        assertThat(cart.get("total").get("amount").asLong()).isEqualTo(630000);
        AddItemRequest sent = ADDS.stream().filter(a -> a.getProductId().equals(id)).findFirst().orElseThrow();
        assertThat(sent.getUserId()).as("the cart is the token subject's").isEqualTo("user-7");
        assertThat(sent.getMaxLineQuantity()).isEqualTo(20);
        assertThat(sent.getOperationId()).isNotBlank();
    }

    /**
     * The products kept for adds weigh at most {@code stock.product-cache.max-bytes} (here 256 KiB):
     * of forty products with 16 KiB names, at most fifteen fit, so adding each again asks product
     * again for most of them. Bounded by a count of 100,000 instead, all forty stayed: a catalog of
     * long names could fill the heap.
     */
    @Test
    void theProductsKeptForAddsWeighNoMoreThanTheirBudget() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ids.add(sellable("Batik " + i + " " + "x".repeat(16 * 1024), 50000, 100));
        }
        for (int round = 0; round < 2; round++) {
            for (String id : ids) {
                var res = post(http, "/cart/add", customer, add(id, 1));
                assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
            }
        }
        assertThat(ids.stream().filter(id -> LOOKUPS.get(id).get() == 2).count())
                .as("of 40 products of 16 KiB added twice with 256 KiB kept, those asked of product again")
                .isGreaterThanOrEqualTo(20);
    }

    /**
     * A burst of adds for one product reads its level once per {@code stock.cart-add.level-max-age}
     * (here a minute), not once per add: with every request connection held (Reserves queued on a
     * hot row), an add of a product read a moment ago still goes through. Without the snapshot it
     * waited for a connection and answered 503.
     */
    @Test
    void anAddUsesARecentLevelAndNeedsNoConnectionForIt() throws Exception {
        String id = sellable("Teh Tarik", 15000, 20);
        assertThat(post(http, "/cart/add", customer, add(id, 1)).statusCode()).isEqualTo(200);

        try (var held = new StockTestKit.HeldRequestPool(db, http, "Bearer " + tokens.mint("admin-1", "admin"), POOL)) {
            var res = post(http, "/cart/add", customer, add(id, 1));
            assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
            assertThat(ADDS.stream().filter(a -> a.getProductId().equals(id)).map(AddItemRequest::getMaxLineQuantity))
                    .containsExactly(20, 20);
        }
    }

    /**
     * Only cartorder knows the line, so stock passes what it saw available as the line's limit and
     * turns cartorder's refusal into 409 {available}; the merge itself is cartorder's (CartTest) and
     * the two together are tested end to end (devstack CartAndCheckoutSystemTest).
     */
    @Test
    void stockPassesWhatIsAvailableAsTheLineLimitAndAnswers409WhenCartorderRefuses() {
        String id = sellable("Gula Aren", 20000, 6);
        var over = post(http, "/cart/add", customer, add(id, 2));   // the double's line holds 5: 5 + 2 > 6
        AddItemRequest sent = ADDS.stream().filter(a -> a.getProductId().equals(id)).findFirst().orElseThrow();
        assertThat(sent.getQuantity()).isEqualTo(2);
        assertThat(sent.getMaxLineQuantity()).as("what stock saw available").isEqualTo(6);
        assertProblem(over, 409);
        assertThat(json(over).get("available").asLong()).isEqualTo(6);

        int before = ADDS.size();
        var tooMany = post(http, "/cart/add", customer, add(id, 7));   // more than available on its own: stock's own check
        assertProblem(tooMany, 409);
        assertThat(json(tooMany).get("available").asLong()).isEqualTo(6);
        assertThat(ADDS).as("refused before cartorder is asked").hasSize(before);
    }

    @Test
    void cartorderSlowOrDownQueuesTheAddAsACommand() {
        String id = sellable("Beras Cianjur", 150000, 100);
        var slow = post(http, "/cart/add", customer, add(id, SLOW));
        assertThat(slow.statusCode()).as(slow.body()).isEqualTo(202);
        String slowOp = json(slow).get("operation_id").asText();
        var down = post(http, "/cart/add", customer, add(id, DOWN));
        assertThat(down.statusCode()).as(down.body()).isEqualTo(202);

        var commands = StockTestKit.records(Topics.CART_COMMANDS, "user-7", r -> r.size() >= 2);
        List<AddToCart> adds = commands.stream().map(r -> parse(r.value())).toList();
        assertThat(adds).extracting(AddToCart::getOperationId).contains(slowOp, json(down).get("operation_id").asText());
        AddToCart queued = adds.stream().filter(a -> a.getOperationId().equals(slowOp)).findFirst().orElseThrow();
        assertThat(queued.getUserId()).isEqualTo("user-7");
        assertThat(queued.getProductId()).isEqualTo(id);
        assertThat(queued.getQuantity()).isEqualTo(SLOW);
        // the late gRPC call carried the same operation id, so cartorder applies the add once
        assertThat(ADDS).anySatisfy(a -> assertThat(a.getOperationId()).isEqualTo(slowOp));
    }

    /**
     * A cartorder too busy to start carts (its {@code admission.new-cart} full) refuses an add to an empty cart: the
     * client gets 503 with Retry-After and comes back, and nothing is queued, since a queued add
     * would only move the load to a moment the client no longer waits for.
     */
    @Test
    void cartorderTooBusyForAddsMakesThemA503WithRetryAfterAndQueuesNothing() {
        String id = sellable("Kopi Toraja", 90000, 100);
        String outbox = "SELECT COALESCE(MAX(id), 0) FROM outbox";
        String before = StockTestKit.query(db, outbox);
        List<java.util.logging.LogRecord> logged = new CopyOnWriteArrayList<>();
        java.util.logging.Logger problems = java.util.logging.Logger.getLogger("dev.kedai.platform.http.Problems");
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                logged.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        problems.addHandler(capture);
        java.net.http.HttpResponse<String> busy;
        try {
            busy = post(http, "/cart/add", customer, add(id, BUSY));
        } finally {
            problems.removeHandler(capture);
        }
        assertThat(logged).as("a shed add is not a failure: no log line each (hundreds a second under overload)")
                .extracting(java.util.logging.LogRecord::getMessage).noneMatch(m -> m.contains("/cart/add"));
        assertProblem(busy, 503);
        assertThat(busy.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(json(busy).get("detail").asText()).contains("busy");
        assertThat(StockTestKit.query(db, outbox)).as("no AddToCart command written").isEqualTo(before);
    }

    /** Stock's calls to cartorder go through the platform's circuit breaker, as cartorder's own calls do. */
    @Test
    void whileCartorderKeepsFailingItsCircuitOpensAndAddsAreQueuedWithoutCallingIt() {
        DbAccount own = TestInfra.newDatabase("stock");
        String target = "127.0.0.1:" + peers.port();
        try (KedaiServer breaking = Main.start(TestServiceConfig.of(own, tokens, Map.of(
                "peers.product.grpc", target,
                "peers.cartorder.grpc", target,
                "peers.breaker.volume", "4",
                "peers.breaker.delay", "PT60S",
                "events.group", "stock-breaker-test-" + UUID.randomUUID())))) {
            TestHttp h = new TestHttp(breaking.port());
            String id = sellable("Kopi Luwak", 500000, 100);
            StockTestKit.sql(own, "INSERT INTO stock_levels (product_id, on_hand, reserved) VALUES ('" + id + "', 100, 0)");
            // cartorder answers UNAVAILABLE: each add is queued; after a few the circuit opens and it is not called
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                int calls = ADDS.size();
                var res = post(h, "/cart/add", customer, add(id, DOWN));
                return res.statusCode() == 202 && ADDS.size() == calls;
            });
            int calls = ADDS.size();
            var healthy = post(h, "/cart/add", customer, add(id, 1));
            assertThat(healthy.statusCode()).as(healthy.body()).isEqualTo(202);
            assertThat(ADDS).as("an open circuit does not call cartorder").hasSize(calls);
        }
    }

    @Test
    void anAddSentAgainWithItsIdempotencyKeyIsTheSameOperationForCartorder() {
        String id = sellable("Kopi Kintamani", 80000, 50);
        String body = add(id, 1);
        var first = http.post("/cart/add", "application/json", body.getBytes(), "Authorization", customer,
                              "Idempotency-Key", "add-kopi-1");
        var retry = http.post("/cart/add", "application/json", body.getBytes(), "Authorization", customer,
                              "Idempotency-Key", "add-kopi-1");
        var otherUser = http.post("/cart/add", "application/json", body.getBytes(),
                                  "Authorization", "Bearer " + tokens.mint("user-8", "customer"), "Idempotency-Key", "add-kopi-1");
        var noKey = post(http, "/cart/add", customer, body);
        assertThat(List.of(first, retry, otherUser, noKey)).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
        List<String> ops = ADDS.stream().filter(a -> a.getProductId().equals(id)).map(AddItemRequest::getOperationId).toList();
        assertThat(ops).hasSize(4);
        // cartorder applies an operation once (CartTest), so the retry adds nothing; another user's key is another add
        assertThat(ops.get(1)).isEqualTo(ops.get(0));
        assertThat(ops.get(2)).isNotEqualTo(ops.get(0));
        assertThat(ops.get(3)).isNotIn(ops.get(0), ops.get(2));

        int before = ADDS.size();
        assertThat(fieldsOf(http.post("/cart/add", "application/json", body.getBytes(), "Authorization", customer,
                                      "Idempotency-Key", "x".repeat(65)))).containsExactly("Idempotency-Key");
        assertThat(ADDS).hasSize(before);
    }

    @Test
    void aFullCartIs409NamingTheLimit() {
        String id = sellable("Kecap", 9000, 100);
        var full = post(http, "/cart/add", customer, add(id, FULL));
        assertProblem(full, 409);
        assertThat(json(full).get("type").asText()).isEqualTo("https://kedai.dev/problems/cart-full");
        assertThat(json(full).get("max_lines").asInt()).isEqualTo(100);
    }

    @Test
    void fallbackAlwaysQueues() {
        String id = sellable("Teh Poci", 12000, 10);
        int before = ADDS.size();
        var res = post(http, "/cart/fallback", customer, add(id, 1));
        assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
        String op = json(res).get("operation_id").asText();
        assertThat(ADDS).hasSize(before);
        var commands = StockTestKit.records(Topics.CART_COMMANDS, "user-7",
                r -> r.stream().anyMatch(c -> parse(c.value()).getOperationId().equals(op)));
        assertThat(commands).isNotEmpty();
    }

    /**
     * The product of an add is asked of product once per catalog generation, not once per add; an
     * admin's change is still honoured by the very next add, because product replaces the
     * generation ({@link CatalogGeneration}) after its commit and before it answers the admin.
     */
    @Test
    void anAdminsChangeToAProductIsHonouredByTheNextAdd() {
        String id = sellable("Kopi Luwak", 300000, 20);
        assertThat(post(http, "/cart/add", customer, add(id, 1)).statusCode()).isEqualTo(200);
        assertThat(post(http, "/cart/add", customer, add(id, 1)).statusCode()).isEqualTo(200);
        assertThat(LOOKUPS.get(id)).as("GetProducts calls for two adds").hasValue(1);

        // what product does on an admin's delete: the row inactive, then a new generation
        CATALOG.put(id, CATALOG.get(id).toBuilder().setActive(false).build());
        try (RedisClient redis = RedisClient.create(URI.create(TestInfra.get().redisUrl()))) {
            redis.set(CatalogGeneration.KEY, "admin-write-" + UUID.randomUUID());
        }
        int before = ADDS.size();
        assertProblem(post(http, "/cart/add", customer, add(id, 1)), 404);
        assertThat(ADDS).hasSize(before);
    }

    @Test
    void unknownOrDeletedProductsAre404AndNothingIsQueued() {
        String deleted = sellable("Old", 1000, 10);
        CATALOG.put(deleted, CATALOG.get(deleted).toBuilder().setActive(false).build());
        int before = ADDS.size();
        assertProblem(post(http, "/cart/add", customer, add(UUID.randomUUID().toString(), 1)), 404);
        assertProblem(post(http, "/cart/add", customer, add(deleted, 1)), 404);
        assertProblem(post(http, "/cart/fallback", customer, add(UUID.randomUUID().toString(), 1)), 404);
        assertThat(ADDS).hasSize(before);
    }

    @Test
    void badInputIs400AndNeedsACustomer() {
        String id = sellable("Sabun", 5000, 10);
        assertThat(fieldsOf(post(http, "/cart/add", customer, add(id, 0)))).containsExactly("quantity");
        assertThat(fieldsOf(post(http, "/cart/add", customer, add(id, -3)))).containsExactly("quantity");
        assertThat(fieldsOf(post(http, "/cart/add", customer, add(id, 100)))).containsExactly("quantity");
        assertThat(fieldsOf(post(http, "/cart/add", customer, "{\"product_id\":\"" + id + "\",\"quantity\":\"two\"}")))
                .containsExactly("quantity");
        assertThat(fieldsOf(post(http, "/cart/add", customer, "{\"product_id\":\"abc\",\"quantity\":1,\"user_id\":\"u-9\"}")))
                .containsExactly("product_id", "user_id");
        assertThat(fieldsOf(post(http, "/cart/fallback", customer, add(id, 1000)))).containsExactly("quantity");
        assertProblem(post(http, "/cart/add", null, add(id, 1)), 401);
        assertProblem(post(http, "/cart/add", "Bearer " + tokens.mint("admin-1", "admin"), add(id, 1)), 403);
        assertProblem(http.post("/cart/add", "text/plain", add(id, 1).getBytes(), "Authorization", customer), 415);
    }

    private static String sellable(String name, long price, long onHand) {
        String id = UUID.randomUUID().toString();
        CATALOG.put(id, Product.newBuilder().setProductId(id).setSku("SKU-" + id).setName(name)
                .setPrice(Money.newBuilder().setAmount(price).setCurrency("IDR")).setCategory("test").setActive(true).build());
        StockTestKit.sql(db, "INSERT INTO stock_levels (product_id, on_hand, reserved) VALUES ('" + id + "', " + onHand + ", 0)");
        return id;
    }

    private static String add(String productId, int quantity) {
        return "{\"product_id\":\"" + productId + "\",\"quantity\":" + quantity + "}";
    }

    private static AddToCart parse(byte[] bytes) {
        try {
            return AddToCart.parseFrom(bytes);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}

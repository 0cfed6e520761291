package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * stock and cartorder together, both real, through the edge: what neither service's own tests can
 * show with a double in place of the other.
 */
@ExtendWith(StackFixture.class)
class CartAndCheckoutSystemTest {
    static Stack stack;
    static EdgeClient anonymous;
    static EdgeClient admin;

    @BeforeAll
    static void setUp(Stack running) {
        stack = running;
        anonymous = new EdgeClient(stack, "127.0.0.34");
        admin = Shop.admin(stack, anonymous);
    }

    /** The line's NEW total must be available: stock passes what it sees, cartorder merges and refuses. */
    @Test
    void addingToALineChecksTheLinesNewTotal() {
        String productId = Shop.productInStock(admin, "Gula Aren", 20_000, 6);
        EdgeClient customer = new EdgeClient(stack, "127.0.0.35").newCustomer("Line");
        assertThat(Shop.addToCart(customer, productId, 5).path("items").get(0).path("quantity").asInt()).isEqualTo(5);

        EdgeClient.Answer over = customer.post("/cart/add", Map.of("product_id", productId, "quantity", 2));
        assertThat(over.status()).as(over.raw().body()).isEqualTo(409);
        assertThat(over.json().path("available").asInt()).isEqualTo(6);
        assertThat(customer.get("/cart").json().path("items").get(0).path("quantity").asInt()).isEqualTo(5);
        assertThat(Shop.addToCart(customer, productId, 1).path("items").get(0).path("quantity").asInt()).isEqualTo(6);
    }

    /**
     * 12 customers check out the last 5 units at once through cartorder: never more than 5 orders.
     * Each client retries a 503/504 (too slow under load: nothing was kept) with its key, as a
     * well-behaved client does, until it has its 201 or 409.
     */
    @Test
    void customersRacingForTheLastUnitsNeverOversell() throws Exception {
        String productId = Shop.productInStock(admin, "Last batch", 50_000, 5);
        List<EdgeClient> customers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            // an address each: registration has the edge's strict per-address limit
            EdgeClient customer = new EdgeClient(stack, "127.0.1." + (10 + i)).newCustomer("Racer " + i);
            Shop.addToCart(customer, productId, 1);
            customers.add(customer);
        }
        List<EdgeClient.Answer> answers = new ArrayList<>();
        AtomicBoolean slowAnswers = new AtomicBoolean();
        try (ExecutorService pool = Executors.newFixedThreadPool(customers.size())) {
            List<Future<EdgeClient.Answer>> orders = new ArrayList<>();
            for (EdgeClient customer : customers) {
                String key = UUID.randomUUID().toString();
                orders.add(pool.submit(() -> {
                    EdgeClient.Answer[] last = new EdgeClient.Answer[1];
                    await().atMost(Shop.SETTLE).until(() -> {
                        last[0] = customer.post("/order", "{}", "Idempotency-Key", key);
                        slowAnswers.compareAndSet(false, last[0].status() == 503 || last[0].status() == 504);
                        return last[0].status() != 503 && last[0].status() != 504;
                    });
                    return last[0];
                }));
            }
            for (Future<EdgeClient.Answer> order : orders) {
                answers.add(order.get());
            }
        }
        assertThat(answers).allSatisfy(a -> assertThat(a.status()).as(a.raw().body()).isIn(201, 409));
        List<EdgeClient.Answer> placed = answers.stream().filter(a -> a.status() == 201).toList();
        assertThat(placed.size()).as("orders placed for 5 units").isBetween(1, 5);
        if (!slowAnswers.get()) {
            // nothing timed out, so no reservation can be in flight or leaked: every unit went to an order
            assertThat(placed).hasSize(5);
        }
        answers.stream().filter(a -> a.status() == 409).forEach(a ->
                assertThat(a.json().path("short").get(0).path("product_id").asText()).isEqualTo(productId));
        JsonNode level = Shop.stockOf(anonymous, productId);
        assertThat(level.path("reserved").asInt()).isBetween(placed.size(), 5);
        assertThat(level.path("on_hand").asInt()).isEqualTo(5);
    }

    /**
     * A double submit from four tabs, each with a fresh Idempotency-Key: one cart makes one order.
     * A 503/504 (too slow: nothing kept) is sent again with its key, as a client should.
     */
    @Test
    void parallelCheckoutsOfOneCartUnderFreshKeysMakeOneOrder() throws Exception {
        String productId = Shop.productInStock(admin, "Kopi Luwak", 12_500, 5);
        EdgeClient customer = new EdgeClient(stack, "127.0.0.38").newCustomer("Double submit");
        Shop.addToCart(customer, productId, 1);
        List<EdgeClient.Answer> answers = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<EdgeClient.Answer>> tabs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String key = UUID.randomUUID().toString();
                tabs.add(pool.submit(() -> {
                    EdgeClient.Answer[] last = new EdgeClient.Answer[1];
                    await().atMost(Shop.SETTLE).until(() -> {
                        last[0] = customer.post("/order", "{}", "Idempotency-Key", key);
                        return last[0].status() != 503 && last[0].status() != 504;
                    });
                    return last[0];
                }));
            }
            for (Future<EdgeClient.Answer> tab : tabs) {
                answers.add(tab.get());
            }
        }
        assertThat(answers).filteredOn(a -> a.status() == 201).as(answers.toString()).hasSize(1);
        assertThat(answers).allSatisfy(a -> assertThat(a.status()).as(a.raw().body()).isIn(201, 400, 409));
        assertThat(customer.get("/order").json().path("items")).hasSize(1);
        assertThat(Shop.stockOf(anonymous, productId).path("reserved").asInt()).isEqualTo(1);
    }

    /** An add sent again with its Idempotency-Key (its answer was lost) adds nothing more. */
    @Test
    void anAddRetriedWithItsKeyIsAppliedOnce() {
        String productId = Shop.productInStock(admin, "Kerupuk", 8_000, 10);
        EdgeClient customer = new EdgeClient(stack, "127.0.0.39").newCustomer("Retrier");
        String key = UUID.randomUUID().toString();
        for (int i = 0; i < 2; i++) {
            EdgeClient.Answer[] last = new EdgeClient.Answer[1];
            await().atMost(Shop.SETTLE).until(() -> {
                last[0] = customer.post("/cart/add", Map.of("product_id", productId, "quantity", 2), "Idempotency-Key", key);
                return last[0].status() != 504;
            });
            assertThat(last[0].status()).as(last[0].raw().body()).isIn(200, 202);
        }
        await().atMost(Shop.SETTLE).untilAsserted(() -> {
            JsonNode items = customer.get("/cart").json().path("items");
            assertThat(items).hasSize(1);
            assertThat(items.get(0).path("quantity").asInt()).isEqualTo(2);
        });
    }

    /** POST /cart/fallback: stock publishes AddToCart, the real cartorder applies it once. */
    @Test
    void aFallbackAddShowsUpInTheCart() {
        String productId = Shop.productInStock(admin, "Teh Poci", 12_000, 10);
        EdgeClient customer = new EdgeClient(stack, "127.0.0.36").newCustomer("Fallback");

        EdgeClient.Answer queued = customer.post("/cart/fallback", Map.of("product_id", productId, "quantity", 2));
        assertThat(queued.status()).as(queued.raw().body()).isEqualTo(202);
        assertThat(queued.service()).hasValue("stock");
        assertThat(queued.json().path("operation_id").asText()).isNotBlank();

        await().atMost(Shop.SETTLE).untilAsserted(() -> {
            JsonNode items = customer.get("/cart").json().path("items");
            assertThat(items).hasSize(1);
            assertThat(items.get(0).path("product_id").asText()).isEqualTo(productId);
            assertThat(items.get(0).path("quantity").asInt()).isEqualTo(2);
        });
    }

    /** stock's sweeper releases an unpaid order's expired reservation; cartorder cancels the order. */
    @Test
    void anUnpaidOrderIsCancelledWhenItsReservationExpires() throws Exception {
        String productId = Shop.productInStock(admin, "Durian", 120_000, 3);
        EdgeClient customer = new EdgeClient(stack, "127.0.0.37").newCustomer("Late payer");
        Shop.addToCart(customer, productId, 2);
        EdgeClient.Answer order = customer.post("/order", "{}", "Idempotency-Key", UUID.randomUUID().toString());
        assertThat(order.status()).as(order.raw().body()).isEqualTo(201);
        String orderId = order.json().path("order_id").asText();
        assertThat(Shop.stockOf(anonymous, productId).path("available").asInt()).isEqualTo(1);

        // time travel instead of 16 minutes: the reservation's expiry is moved into the past
        expireReservation(orderId);

        await().atMost(Shop.SETTLE).untilAsserted(() -> {
            assertThat(customer.get("/order/" + orderId).json().path("status").asText()).isEqualTo("CANCELLED");
            assertThat(Shop.stockOf(anonymous, productId).path("available").asInt()).isEqualTo(3);
        });
        EdgeClient.Answer pay = customer.post("/order/pay", Map.of("order_id", orderId, "payment_token", "tok_visa"));
        assertThat(pay.status()).as(pay.raw().body()).isEqualTo(409);
    }

    private static void expireReservation(String orderId) throws Exception {
        Map<String, String> stock = stack.processes().stream().filter(p -> p.service() == KedaiService.STOCK)
                .findFirst().orElseThrow().launch().properties();
        try (var c = DriverManager.getConnection(stock.get("db.connection.url"), stock.get("db.connection.username"),
                                                 stock.get("db.connection.password"));
             var s = c.prepareStatement("UPDATE reservations SET expires_at = CURRENT_TIMESTAMP(3) - INTERVAL 1 SECOND"
                                        + " WHERE order_id = ? AND status = 'RESERVED'")) {
            s.setString(1, orderId);
            assertThat(s.executeUpdate()).as("the order's reservation in stock").isEqualTo(1);
        }
    }
}

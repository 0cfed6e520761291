package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.DriverManager;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two instances of each service behind the edge ({@code ./kedai up --replicas 2}): the purchase
 * works with both running, and again after one instance of every service is killed (kill -9, as a
 * crash) — the one publishing its events (holding its outbox relay lease): the edge and the gRPC
 * callers go to the instance left, its standby relay takes the lease over, the consumer group
 * hands the dead member's partitions over, and an order placed again with the same
 * Idempotency-Key is the same order.
 */
@ExtendWith(StackFixture.TwoReplicas.class)
class TwoReplicasSystemTest {
    // the standby relay takes over after the lease (5 s), the killed consumer's partitions move after
    // its session timeout (10 s), then the event is applied; a 60 s lease (before) does not make it
    private static final Duration SETTLE_AFTER_KILL = Duration.ofSeconds(40);

    @Test
    void aPurchaseSucceedsWithBothInstancesAndWithThePublishingOneOfEachKilled(Stack stack) throws Exception {
        assertThat(stack.spec().replicas()).isEqualTo(2);
        EdgeClient anonymous = new EdgeClient(stack, "127.0.0.61");
        EdgeClient admin = Shop.admin(stack, anonymous);

        buy(anonymous, admin, "both instances", Shop.SETTLE);

        CompletableFuture<ServiceProcess> anyExit = stack.anyExit();
        Map<KedaiService, Integer> killed = new EnumMap<>(KedaiService.class);
        for (KedaiService service : KedaiService.values()) {
            killed.put(service, relayHolder(stack, service));
        }
        killed.forEach((service, instance) -> stack.process(service, instance).kill());
        // what `./kedai up` waits on: with replicas too, one instance exiting stops the stack
        await().atMost(Duration.ofSeconds(10)).until(anyExit::isDone);
        try {
            String orderId = buy(anonymous, admin, "one instance of each left", SETTLE_AFTER_KILL);
            assertThat(orderId).isNotBlank();
        } finally {
            killed.forEach((service, instance) -> stack.restart(service, instance, Progress.silent()));
        }
    }

    /** The instance whose outbox relay holds the service's lease (the first when none does). */
    private static int relayHolder(Stack stack, KedaiService service) throws Exception {
        Map<String, String> first = stack.process(service, 0).launch().properties();
        try (var c = DriverManager.getConnection(first.get("db.connection.url"), first.get("db.connection.username"),
                                                 first.get("db.connection.password"));
             var s = c.createStatement();
             var r = s.executeQuery("SELECT holder FROM outbox_relay_lease WHERE id = 1")) {
            String holder = r.next() ? r.getString(1) : null;
            for (int instance = 0; instance < stack.spec().replicas(); instance++) {
                if (stack.process(service, instance).launch().properties().get("instance.name").equals(holder)) {
                    return instance;
                }
            }
            return 0;
        }
    }

    /** Product, stock, cart, order (placed twice with one key), payment, fulfilment; returns the order id. */
    private static String buy(EdgeClient anonymous, EdgeClient admin, String name, Duration settle) {
        String productId = productInStock(admin, "Songket " + name, 300_000, 4, settle);
        EdgeClient customer = anonymous.newCustomer("Buyer " + name);
        Shop.addToCart(customer, productId, 1);

        String key = UUID.randomUUID().toString();
        EdgeClient.Answer order = customer.post("/order", "{}", "Idempotency-Key", key);
        assertThat(order.status()).as(order.raw().body()).isEqualTo(201);
        String orderId = order.json().path("order_id").asText();
        // the client's retry (its answer lost): the same order, whichever instance answers
        EdgeClient.Answer again = customer.post("/order", "{}", "Idempotency-Key", key);
        assertThat(again.status()).as(again.raw().body()).isIn(200, 201);
        assertThat(again.json().path("order_id").asText()).isEqualTo(orderId);

        EdgeClient.Answer paid = customer.post("/order/pay", Map.of("order_id", orderId, "payment_token", "tok_visa"));
        assertThat(paid.status()).as(paid.raw().body()).isEqualTo(200);
        await().atMost(settle).untilAsserted(() -> {
            JsonNode level = Shop.stockOf(anonymous, productId);
            assertThat(level.path("on_hand").asInt()).isEqualTo(3);
            assertThat(level.path("reserved").asInt()).isZero();
            assertThat(customer.get("/order/" + orderId).json().path("status").asText()).isEqualTo("FULFILLED");
        });
        return orderId;
    }

    private static String productInStock(EdgeClient admin, String name, long price, int onHand, Duration settle) {
        String sku = "SKU-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase(java.util.Locale.ROOT);
        EdgeClient.Answer created = admin.post("/products", Map.of("sku", sku, "name", name,
                "description", "bought from two replicas", "price", Map.of("amount", price, "currency", "IDR"),
                "category", "replicas"));
        assertThat(created.status()).as("create product: %s", created.raw().body()).isEqualTo(201);
        String productId = created.json().path("product_id").asText();
        await().atMost(settle).until(() -> admin.get("/stock/" + productId).status() == 200);
        EdgeClient.Answer set = admin.post("/stock/update", Map.of("product_id", productId, "quantity", onHand));
        assertThat(set.status()).as("set stock: %s", set.raw().body()).isEqualTo(200);
        return productId;
    }
}

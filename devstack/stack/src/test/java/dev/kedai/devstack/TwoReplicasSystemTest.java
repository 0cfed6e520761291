package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two instances of each service behind the edge ({@code ./kedai up --replicas 2}): the purchase
 * works with both running, and again after the first instance of every service on its path is
 * killed (kill -9, as a crash): the edge and the gRPC callers go to the instance left, the
 * consumer group hands the dead member's partitions over, and an order placed again with the same
 * Idempotency-Key is the same order.
 */
@ExtendWith(StackFixture.TwoReplicas.class)
@org.junit.jupiter.api.Disabled("issue 20: in the full run (after the one-instance stack stopped on the same schemas) the new product never became sellable within 1 min; passes alone")
class TwoReplicasSystemTest {
    // the killed consumer's partitions move after its session timeout (10 s), then the event is applied
    private static final Duration SETTLE_AFTER_KILL = Duration.ofSeconds(60);

    @Test
    void aPurchaseSucceedsWithBothInstancesAndWithTheFirstOfEachKilled(Stack stack) {
        assertThat(stack.spec().replicas()).isEqualTo(2);
        EdgeClient anonymous = new EdgeClient(stack, "127.0.0.61");
        EdgeClient admin = Shop.admin(stack, anonymous);

        buy(anonymous, admin, "both instances", Shop.SETTLE);

        for (KedaiService service : KedaiService.values()) {
            stack.process(service, 0).kill();
        }
        try {
            String orderId = buy(anonymous, admin, "second instances only", SETTLE_AFTER_KILL);
            assertThat(orderId).isNotBlank();
        } finally {
            for (KedaiService service : KedaiService.values()) {
                stack.restart(service, 0, Progress.silent());
            }
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

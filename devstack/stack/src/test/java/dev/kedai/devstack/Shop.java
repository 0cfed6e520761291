package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

/** Steps the journeys share, all through the edge. */
final class Shop {
    static final Duration SETTLE = Duration.ofSeconds(20);

    private Shop() {
    }

    /**
     * The admin the devstack bootstraps: auth's {@code auth.admin.email}/{@code auth.admin.password}
     * as the stack launched it (DESIGN §6: the devstack seeds an admin account).
     */
    static EdgeClient admin(Stack stack, EdgeClient anonymous) {
        ServiceProcess auth = stack.processes().stream().filter(p -> p.service() == KedaiService.AUTH)
                .findFirst().orElseThrow();
        String email = auth.launch().properties().get("auth.admin.email");
        String password = auth.launch().properties().get("auth.admin.password");
        assertThat(email).as("the devstack configures no admin account for auth (auth.admin.email)").isNotBlank();
        return anonymous.login(email, password);
    }

    /** A new active product with {@code onHand} in stock; returns its id. */
    static String productInStock(EdgeClient admin, String name, long price, int onHand) {
        String sku = "SKU-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase(java.util.Locale.ROOT);
        EdgeClient.Answer created = admin.post("/products", Map.of("sku", sku, "name", name,
                "description", "made for the edge journey", "price", Map.of("amount", price, "currency", "IDR"),
                "category", "journey"));
        assertThat(created.status()).as("create product: %s", created.raw().body()).isEqualTo(201);
        assertThat(created.service()).hasValue("product");
        String productId = created.json().path("product_id").asText();

        // the stock row appears once stock has consumed ProductCreated
        await().atMost(SETTLE).until(() -> admin.get("/stock/" + productId).status() == 200);
        EdgeClient.Answer set = admin.post("/stock/update", Map.of("product_id", productId, "quantity", onHand));
        assertThat(set.status()).as("set stock: %s", set.raw().body()).isEqualTo(200);
        assertThat(set.service()).hasValue("stock");
        assertThat(set.json().path("on_hand").asInt()).isEqualTo(onHand);
        return productId;
    }

    /**
     * POST /cart/add as a well-behaved client does it: a 504 (a dependency too slow: nothing
     * changed) is retried; a 202 (cart slow, the add was queued) is followed until the line shows
     * in GET /cart. Returns the cart.
     */
    static JsonNode addToCart(EdgeClient customer, String productId, int quantity) {
        EdgeClient.Answer[] last = new EdgeClient.Answer[1];
        await().atMost(SETTLE).until(() -> {
            last[0] = customer.post("/cart/add", Map.of("product_id", productId, "quantity", quantity));
            return last[0].status() != 504;
        });
        assertThat(last[0].service()).hasValue("stock");
        assertThat(last[0].status()).as(last[0].raw().body()).isIn(200, 202);
        if (last[0].status() == 200) {
            return last[0].json();
        }
        await().atMost(SETTLE).until(() -> customer.get("/cart").json().path("items")
                .findValuesAsText("product_id").contains(productId));
        return customer.get("/cart").json();
    }

    static JsonNode stockOf(EdgeClient client, String productId) {
        EdgeClient.Answer level = client.get("/stock/" + productId);
        assertThat(level.status()).isEqualTo(200);
        return level.json();
    }
}

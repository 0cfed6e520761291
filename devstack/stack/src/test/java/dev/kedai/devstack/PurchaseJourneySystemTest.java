package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole purchase, a customer's and an admin's, through :8080 only; every request and answer
 * must match the OpenAPI document of the service that answered it.
 */
@ExtendWith(StackFixture.class)
class PurchaseJourneySystemTest {
    static EdgeClient anonymous;
    static EdgeClient admin;

    @BeforeAll
    static void setUp(Stack stack) {
        anonymous = new EdgeClient(stack, "127.0.0.33").checkedAgainst(ApiContracts.of(stack));
        admin = Shop.admin(stack, anonymous);
    }

    /** register → login → browse/search → add to cart → checkout → pay → stock committed → order history. */
    @Test
    void customerBuysSomething() {
        String word = "journey" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        String productId = Shop.productInStock(admin, "Batik shirt " + word, 250_000, 5);

        EdgeClient customer = anonymous.newCustomer("Customer");
        await().atMost(Shop.SETTLE).untilAsserted(() -> {
            EdgeClient.Answer found = anonymous.get("/products?q=" + word);
            assertThat(found.status()).isEqualTo(200);
            assertThat(found.json().path("items").findValuesAsText("product_id")).containsExactly(productId);
        });
        EdgeClient.Answer product = anonymous.get("/products/" + productId);
        assertThat(product.status()).isEqualTo(200);
        assertThat(product.header("ETag")).isPresent();

        JsonNode cart = Shop.addToCart(customer, productId, 2);
        assertThat(cart.path("total").path("amount").asLong()).isEqualTo(500_000);

        EdgeClient.Answer order = customer.post("/order", "{}", "Idempotency-Key", UUID.randomUUID().toString());
        assertThat(order.status()).as(order.raw().body()).isEqualTo(201);
        String orderId = order.json().path("order_id").asText();
        assertThat(order.json().path("status").asText()).isEqualTo("PENDING_PAYMENT");
        assertThat(Shop.stockOf(anonymous, productId).path("reserved").asInt()).isEqualTo(2);

        EdgeClient.Answer paid = customer.post("/order/pay", Map.of("order_id", orderId, "payment_token", "tok_visa"));
        assertThat(paid.status()).as(paid.raw().body()).isEqualTo(200);

        await().atMost(Shop.SETTLE).untilAsserted(() -> {
            JsonNode level = Shop.stockOf(anonymous, productId);
            assertThat(level.path("on_hand").asInt()).isEqualTo(3);
            assertThat(level.path("reserved").asInt()).isZero();
            assertThat(customer.get("/order/" + orderId).json().path("status").asText()).isEqualTo("FULFILLED");
        });
        EdgeClient.Answer history = customer.get("/order");
        assertThat(history.json().path("items").get(0).path("order_id").asText()).isEqualTo(orderId);
        assertThat(customer.get("/cart").json().path("items")).isEmpty();
    }

    /** create product → set stock → see it sold. */
    @Test
    void adminSeesWhatSold() {
        String productId = Shop.productInStock(admin, "Rattan basket", 80_000, 7);
        EdgeClient customer = anonymous.newCustomer("Basket buyer");
        Shop.addToCart(customer, productId, 3);
        String orderId = customer.post("/order", "{}", "Idempotency-Key", UUID.randomUUID().toString())
                .json().path("order_id").asText();
        assertThat(customer.post("/order/pay", Map.of("order_id", orderId, "payment_token", "tok_visa")).status())
                .isEqualTo(200);

        await().atMost(Shop.SETTLE).untilAsserted(() ->
                assertThat(Shop.stockOf(admin, productId).path("on_hand").asInt()).isEqualTo(4));
        // the operators' endpoint is idempotent: the stock already committed stays committed once
        EdgeClient.Answer commit = admin.post("/order/process_stock", Map.of("order_id", orderId));
        assertThat(commit.status()).as(commit.raw().body()).isEqualTo(200);
        assertThat(commit.service()).hasValue("stock");
        assertThat(Shop.stockOf(admin, productId).path("on_hand").asInt()).isEqualTo(4);

        // a customer is not an operator
        assertThat(customer.post("/order/process_stock", Map.of("order_id", orderId)).status()).isEqualTo(403);
    }
}

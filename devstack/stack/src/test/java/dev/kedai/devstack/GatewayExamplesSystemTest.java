package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The original gateway's examples, through the dev edge, as its README showed them with curl
 * against localhost:8080.
 */
@ExtendWith(StackFixture.class)
class GatewayExamplesSystemTest {
    static EdgeClient anonymous;
    static EdgeClient customer;
    static String productId;

    @BeforeAll
    static void setUp(Stack stack) {
        anonymous = new EdgeClient(stack, "127.0.0.32");
        customer = anonymous.newCustomer("Example");
        productId = Shop.productInStock(Shop.admin(stack, anonymous), "Example mug", 45_000, 10);
    }

    /** curl -X GET localhost:8080/stock */
    @Test
    void getStock() {
        EdgeClient.Answer answer = anonymous.get("/stock");

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.service()).hasValue("stock");
        assertThat(answer.json().path("items").isArray()).isTrue();
    }

    /** curl -X GET localhost:8080/cart: 401 without a token, 200 with one. */
    @Test
    void getCart() {
        EdgeClient.Answer withoutToken = anonymous.get("/cart");
        assertThat(withoutToken.status()).isEqualTo(401);
        assertThat(withoutToken.json().toString()).isEqualTo("{\"message\":\"Unauthorized\"}");
        assertThat(withoutToken.service()).as("refused at the edge").isEmpty();

        EdgeClient.Answer withToken = customer.get("/cart");
        assertThat(withToken.status()).isEqualTo(200);
        assertThat(withToken.service()).hasValue("cartorder");
        assertThat(withToken.json().has("items")).isTrue();
    }

    /**
     * curl -X POST localhost:8080/cart/add -H "Content-Type: application/json"
     * -d '{"product_id": ..., "quantity": 2}' — served by stock; then DELETE /cart/{item_id}.
     */
    @Test
    void addToCartIsServedByStockAndAnItemCanBeRemoved() {
        EdgeClient buyer = anonymous.newCustomer("Adder");
        // Shop.addToCart: stock answers (X-Kedai-Service), a 504 is sent again and a 202 (cart slow,
        // as on the first calls after start-up) is followed until the line shows
        JsonNode cart = Shop.addToCart(buyer, productId, 2);
        assertThat(cart.path("items")).singleElement().satisfies(item -> {
            assertThat(item.path("product_id").asText()).isEqualTo(productId);
            assertThat(item.path("quantity").asInt()).isEqualTo(2);
        });

        String itemId = cart.path("items").get(0).path("item_id").asText();
        EdgeClient.Answer removed = buyer.delete("/cart/" + itemId);
        assertThat(removed.status()).isEqualTo(204);
        assertThat(removed.service()).hasValue("cartorder");
        assertThat(buyer.get("/cart").json().path("items")).isEmpty();
    }

    /** GET /order and POST /order/pay. */
    @Test
    void ordersCanBeListedAndPaid() {
        EdgeClient buyer = anonymous.newCustomer("Payer");
        Shop.addToCart(buyer, productId, 1);
        EdgeClient.Answer order = buyer.post("/order", "{}", "Idempotency-Key", UUID.randomUUID().toString());
        assertThat(order.status()).as(order.raw().body()).isEqualTo(201);
        String orderId = order.json().path("order_id").asText();

        EdgeClient.Answer list = buyer.get("/order");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.service()).hasValue("cartorder");
        assertThat(list.json().path("items").findValuesAsText("order_id")).contains(orderId);

        EdgeClient.Answer paid = buyer.post("/order/pay", Map.of("order_id", orderId, "payment_token", "tok_visa"));
        assertThat(paid.status()).as(paid.raw().body()).isEqualTo(200);
        assertThat(paid.service()).hasValue("cartorder");
        assertThat(paid.json().path("status").asText()).isEqualTo("PAID");
    }

    @Test
    void unknownPathIs404FromTheEdge() {
        EdgeClient.Answer answer = anonymous.get("/no/such/thing");

        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.json().path("message").asText()).isEqualTo("no Route matched with those values");
    }
}

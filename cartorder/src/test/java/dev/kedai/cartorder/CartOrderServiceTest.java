package dev.kedai.cartorder;

import java.sql.DriverManager;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.infra.DbAccount;
import dev.kedai.platform.server.KedaiServer;
import dev.kedai.platform.testing.TestHttp;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.kedai.platform.testing.TestHttp.assertProblem;
import static dev.kedai.platform.testing.TestHttp.fieldsOf;
import static dev.kedai.platform.testing.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

class CartOrderServiceTest {

    private static final String ANI = "00000000-0000-4000-8000-0000000000a1";
    private static final String EKO = "00000000-0000-4000-8000-0000000000e1";
    private static final String KOPI = "00000000-0000-4000-8000-000000000001";
    private static final String TEH = "00000000-0000-4000-8000-000000000002";
    private static final String OLD_ORDER = "00000000-0000-4000-8000-0000000000f1";
    private static final String NEW_ORDER = "00000000-0000-4000-8000-0000000000f2";

    private static CartOrderFixture f;
    private static KedaiServer server;
    private static TestHttp http;

    @BeforeAll
    static void start() throws Exception {
        f = CartOrderFixture.shared();
        server = f.server;
        http = f.http;
        DbAccount db = f.db;
        f.peers.product(KOPI, "Kopi Gayo", 85000, true);
        f.peers.product(TEH, "Teh Melati", 25000, true);
        try (var c = DriverManager.getConnection(db.url(), db.user(), db.password()); var s = c.createStatement()) {
            s.executeUpdate("""
                    INSERT INTO cart_items (item_id, user_id, product_id, quantity, added_at) VALUES
                    ('%s', '%s', '%s', 2, '2026-01-01 00:00:01'), ('%s', '%s', '%s', 1, '2026-01-01 00:00:02')"""
                    .formatted(UUID.randomUUID(), ANI, KOPI, UUID.randomUUID(), ANI, TEH));
            s.executeUpdate("""
                    INSERT INTO orders (order_id, user_id, status, total_amount, created_at, expires_at) VALUES
                    ('%s', '%s', 'PAID', 170000, '2026-01-01 10:00:00', '2026-01-01 10:15:00'),
                    ('%s', '%s', 'PENDING_PAYMENT', 25000, '2026-01-02 10:00:00', '2026-01-02 10:15:00'),
                    ('%s', '%s', 'PAID', 1, '2026-01-03 10:00:00', '2026-01-03 10:15:00')"""
                    .formatted(OLD_ORDER, ANI, NEW_ORDER, ANI, UUID.randomUUID(), EKO));
            s.executeUpdate("""
                    INSERT INTO order_lines (order_id, product_id, name, unit_amount, quantity) VALUES
                    ('%s', '%s', 'Kopi Gayo', 85000, 2), ('%s', '%s', 'Teh Melati', 25000, 1)"""
                    .formatted(OLD_ORDER, KOPI, NEW_ORDER, TEH));
        }
    }

    private static String[] bearer(String userId) {
        return new String[] {"Authorization", "Bearer " + f.tokens.mint(userId, "customer")};
    }

    @Test
    void cartIsTheCallersOwn() {
        assertProblem(http.get("/cart"), 401);
        JsonNode cart = json(http.get("/cart", bearer(ANI)));
        assertThat(cart.get("items").findValuesAsText("product_id")).containsExactly(KOPI, TEH);
        assertThat(cart.get("items").get(0).get("quantity").asInt()).isEqualTo(2);
        assertThat(cart.get("items").get(0).get("item_id").asText()).hasSize(36);
        assertThat(cart.get("total").get("amount").asLong()).isEqualTo(2 * 85000 + 25000);
        JsonNode empty = json(http.get("/cart", bearer(EKO)));
        assertThat(empty).isEqualTo(parse("{\"items\":[],\"total\":{\"amount\":0,\"currency\":\"IDR\"}}"));
    }

    @Test
    void ordersAreTheCallersOwnNewestFirst() {
        assertProblem(http.get("/order"), 401);
        JsonNode page = json(http.get("/order", bearer(ANI)));
        assertThat(page.get("total").asLong()).isEqualTo(2);
        assertThat(page.get("items").findValuesAsText("order_id")).containsExactly(NEW_ORDER, OLD_ORDER);
        JsonNode old = page.get("items").get(1);
        assertThat(old.get("status").asText()).isEqualTo("PAID");
        assertThat(old.get("total").get("amount").asLong()).isEqualTo(170000);
        assertThat(old.get("items").get(0).get("line_total").get("amount").asLong()).isEqualTo(170000);
        assertThat(old.get("items").get(0).get("unit_price").get("currency").asText()).isEqualTo("IDR");
        assertThat(old.get("created_at").asText()).endsWith("Z");
        assertThat(json(http.get("/order?page=2&size=1", bearer(ANI))).get("items").findValuesAsText("order_id"))
                .containsExactly(OLD_ORDER);
        var bad = http.get("/order?size=0", bearer(ANI));
        assertProblem(bad, 400);
        assertThat(fieldsOf(bad)).containsExactly("size");
    }

    @Test
    void readyOpenApiAndOversizeBody() {
        var ready = new TestHttp(server.adminPort()).get("/observe/health/ready");
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(http.get("/openapi").body()).contains("/order");
        assertProblem(http.postOversize("/order", "application/json", new byte[2 * 1024 * 1024]), 413);
    }

    private static JsonNode parse(String text) {
        try {
            return dev.kedai.platform.http.Json.mapper().readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.kedai.cartorder;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Timestamp;
import dev.kedai.contracts.Topics;
import dev.kedai.platform.testing.TestIdentities;
import dev.kedai.proto.cartorder.v1.AddItemRequest;
import dev.kedai.proto.cartorder.v1.AddToCart;
import dev.kedai.proto.cartorder.v1.Cart;
import dev.kedai.proto.cartorder.v1.CartServiceGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.kedai.cartorder.CartOrderFixture.newId;
import static dev.kedai.platform.testing.TestHttp.assertProblem;
import static dev.kedai.platform.testing.TestHttp.fieldsOf;
import static dev.kedai.platform.testing.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class CartTest {

    private static CartOrderFixture f;

    @BeforeAll
    static void start() {
        f = CartOrderFixture.shared();
    }

    private static AddItemRequest add(String op, String user, String product, int quantity) {
        return AddItemRequest.newBuilder().setOperationId(op).setUserId(user).setProductId(product)
                .setQuantity(quantity).build();
    }

    @Test
    void grpcAnswersOnlyStockAndNeverStrangers() {
        String target = "127.0.0.1:" + f.server.grpcPort().orElseThrow();
        String user = newId();
        String kopi = f.product("Kopi Gayo", 85_000);
        AddItemRequest request = add(newId(), user, kopi, 1);
        assertThat(TestIdentities.codeOf(TestIdentities.anonymous(target), c -> CartServiceGrpc.newBlockingStub(c).addItem(request)))
                .isEqualTo(Status.Code.UNAUTHENTICATED);
        for (String service : java.util.List.of("user", "product", "auth", "cartorder")) {
            assertThat(TestIdentities.codeOf(TestIdentities.open(service, target), c -> CartServiceGrpc.newBlockingStub(c).addItem(request)))
                    .as(service).isEqualTo(Status.Code.PERMISSION_DENIED);
        }
        // none of them put a line into the cart
        assertThat(json(f.http.get("/cart", f.bearer(user))).get("items")).isEmpty();
    }

    @Test
    void addItemMergesOneLinePerProductAndIsIdempotentByOperationId() {
        String user = newId();
        String kopi = f.product("Kopi Gayo", 85_000);
        String op = newId();
        Cart first = f.cart.addItem(add(op, user, kopi, 2));
        Cart replay = f.cart.addItem(add(op, user, kopi, 2));
        assertThat(replay).isEqualTo(first);
        assertThat(first.getItemsList()).singleElement().satisfies(i -> {
            assertThat(i.getQuantity()).isEqualTo(2);
            assertThat(i.getName()).isEqualTo("Kopi Gayo");
            assertThat(i.getLineTotal().getAmount()).isEqualTo(170_000);
        });
        Cart merged = f.cart.addItem(add(newId(), user, kopi, 3));
        assertThat(merged.getItemsList()).singleElement().satisfies(i -> assertThat(i.getQuantity()).isEqualTo(5));
        assertThat(merged.getTotal().getAmount()).isEqualTo(425_000);
    }

    @Test
    void aLineHoldsAtMost99() {
        String user = newId();
        String teh = f.product("Teh", 10_000);
        f.cart.addItem(add(newId(), user, teh, 98));
        String op = newId();
        assertThatThrownBy(() -> f.cart.addItem(add(op, user, teh, 2)))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        // nothing was recorded for the refused operation: the line is unchanged, and a valid retry still works
        assertThat(f.cart.addItem(add(newId(), user, teh, 1)).getItems(0).getQuantity()).isEqualTo(99);
    }

    @Test
    void aCartHoldsAtMostTheLinesOneOrderMayReserve() {
        String user = newId();
        List<String> held = fillCart(user, CartLine.MAX_LINES);
        String op = newId();
        assertThatThrownBy(() -> f.cart.addItem(add(op, user, f.product("One too many", 1_000), 1)))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
                    assertThat(e.getStatus().getDescription()).contains("100");
                });
        assertThat(f.count("SELECT COUNT(*) FROM cart_items WHERE user_id = ?", user)).isEqualTo(CartLine.MAX_LINES);
        assertThat(f.count("SELECT COUNT(*) FROM cart_operations WHERE operation_id = ?", op)).isZero();
        // more of a product already in the cart is no new line
        assertThat(f.cart.addItem(add(newId(), user, held.getFirst(), 1)).getItemsCount()).isEqualTo(CartLine.MAX_LINES);
    }

    @Test
    void aCartFilledBeforeTheLimitIsRefusedAtCheckoutNamingIt() {
        String user = newId();
        fillCart(user, CartLine.MAX_LINES + 1);
        JsonNode full = assertProblem(f.checkout(user, "big", "{}"), 409);
        assertThat(full.get("type").asText()).isEqualTo("https://kedai.dev/problems/cart-full");
        assertThat(full.get("max_lines").asInt()).isEqualTo(CartLine.MAX_LINES);
        assertThat(f.peers.reserveLog).noneMatch(r -> r.getLinesCount() > CartLine.MAX_LINES);
        assertThat(f.count("SELECT COUNT(*) FROM orders WHERE user_id = ?", user)).isZero();
    }

    /**
     * Issue 13: a queued AddToCart (stock's fallback) and a gRPC add of two new products meet a cart
     * of 99 lines at once. One of them is the 100th line; the other is refused and leaves nothing.
     */
    @Test
    void aQueuedAddAndAGrpcAddAtOnceNeverTakeTheCartPastItsLimit() throws Exception {
        String user = newId();
        fillCart(user, CartLine.MAX_LINES - 1);
        String queued = f.product("Queued", 1_000);
        String direct = f.product("Direct", 1_000);
        String queuedOp = newId();
        String directOp = newId();
        String ceId = newId();
        try (Connection blocker = DriverManager.getConnection(f.db.url(), f.db.user(), f.db.password())) {
            blocker.setAutoCommit(false);
            // an uncommitted line for the queued product: the command's add stops right where it writes it
            try (PreparedStatement s = blocker.prepareStatement(
                    "INSERT INTO cart_items (item_id, user_id, product_id, quantity) VALUES (?, ?, ?, 1)")) {
                s.setString(1, newId());
                s.setString(2, user);
                s.setString(3, queued);
                s.executeUpdate();
            }
            f.publish(Topics.CART_COMMANDS, user, AddToCart.newBuilder().setOperationId(queuedOp).setUserId(user)
                    .setProductId(queued).setQuantity(1).build(), ceId);
            await().atMost(Duration.ofSeconds(20)).until(() -> running(queuedOp));
            CompletableFuture<Status.Code> grpc = CompletableFuture.supplyAsync(() -> {
                try {
                    f.cart.addItem(add(directOp, user, direct, 1));
                    return Status.Code.OK;
                } catch (StatusRuntimeException e) {
                    return e.getStatus().getCode();
                }
            });
            // the gRPC add either finished or waits for the command's add
            await().atMost(Duration.ofSeconds(20)).until(() -> grpc.isDone() || running(directOp));
            blocker.rollback();
            assertThat(grpc.get(20, TimeUnit.SECONDS)).isIn(Status.Code.OK, Status.Code.OUT_OF_RANGE);
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> f.count("SELECT COUNT(*) FROM processed_events WHERE event_id = ?", ceId) == 1);
        assertThat(f.count("SELECT COUNT(*) FROM cart_items WHERE user_id = ?", user)).isEqualTo(CartLine.MAX_LINES);
        assertThat(f.count("SELECT COUNT(*) FROM cart_items WHERE user_id = ? AND product_id IN (?, ?)", user, queued, direct))
                .isEqualTo(1);
    }

    /** True while an add of {@code operationId} runs: its uncommitted operation row cannot be locked. */
    private static boolean running(String operationId) {
        try (Connection c = DriverManager.getConnection(f.db.url(), f.db.user(), f.db.password());
             PreparedStatement s = c.prepareStatement(
                     "SELECT operation_id FROM cart_operations WHERE operation_id = ? FOR UPDATE NOWAIT")) {
            s.setString(1, operationId);
            s.executeQuery().close();
            return false;
        } catch (SQLException e) {
            if (e.getErrorCode() == 1205 || e.getErrorCode() == 3572) {
                return true;   // lock wait timeout (MariaDB) / NOWAIT (MySQL): another transaction holds it
            }
            throw new IllegalStateException(e);
        }
    }

    /** {@code lines} products of 1 unit each in the user's cart, written directly (a cart from before a limit). */
    private static List<String> fillCart(String user, int lines) {
        List<String> products = new java.util.ArrayList<>();
        for (int i = 0; i < lines; i++) {
            String product = f.product("P" + i, 1_000);
            products.add(product);
            f.query("INSERT INTO cart_items (item_id, user_id, product_id, quantity) VALUES (?, ?, ?, 1)",
                    newId(), user, product);
        }
        return products;
    }

    @Test
    void theLinesNewTotalMustFitWhatStockSawAvailable() {
        String user = newId();
        String kopi = f.product("Kopi", 1_000);
        f.cart.addItem(add(newId(), user, kopi, 3).toBuilder().setMaxLineQuantity(5).build());
        assertThatThrownBy(() -> f.cart.addItem(add(newId(), user, kopi, 3).toBuilder().setMaxLineQuantity(5).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
        assertThat(f.cart.addItem(add(newId(), user, kopi, 2).toBuilder().setMaxLineQuantity(5).build())
                           .getItems(0).getQuantity()).isEqualTo(5);
    }

    @Test
    void addItemRejectsBadRequests() {
        for (AddItemRequest bad : new AddItemRequest[] {
                add("", newId(), newId(), 1), add(newId(), "", newId(), 1), add(newId(), newId(), "nope", 1),
                add(newId(), newId(), newId(), 0), add(newId(), newId(), newId(), 100)}) {
            assertThatThrownBy(() -> f.cart.addItem(bad))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        }
    }

    @Test
    void cartShowsCurrentPricesAndCountsOnlyAvailableLines() {
        String user = newId();
        String kopi = f.product("Kopi", 85_000);
        String gone = f.product("Discontinued", 5_000);
        String unknown = newId();
        f.add(user, kopi, 2);
        f.add(user, gone, 1);
        f.add(user, unknown, 1);
        f.peers.product(gone, "Discontinued", 5_000, false);
        f.peers.product(kopi, "Kopi Baru", 90_000, true);   // price changed since it was added

        JsonNode cart = json(f.http.get("/cart", f.bearer(user)));
        JsonNode items = cart.get("items");
        assertThat(items.findValuesAsText("product_id")).containsExactly(kopi, gone, unknown);
        assertThat(items.get(0).get("name").asText()).isEqualTo("Kopi Baru");
        assertThat(items.get(0).get("unit_price").get("amount").asLong()).isEqualTo(90_000);
        assertThat(items.get(0).get("line_total").get("amount").asLong()).isEqualTo(180_000);
        assertThat(items.get(0).get("available").asBoolean()).isTrue();
        assertThat(items.get(1).get("available").asBoolean()).isFalse();
        assertThat(items.get(2).get("available").asBoolean()).isFalse();
        assertThat(cart.get("total").get("amount").asLong()).isEqualTo(180_000);
        assertThat(cart.get("total").get("currency").asText()).isEqualTo("IDR");
    }

    @Test
    void deleteItemIsOwnerOnlyAndDeleteCartEmptiesIt() {
        String ani = newId();
        String eko = newId();
        f.add(ani, f.product("A", 1_000), 1);
        f.add(ani, f.product("B", 2_000), 1);
        String itemId = json(f.http.get("/cart", f.bearer(ani))).get("items").get(0).get("item_id").asText();

        assertProblem(f.http.send(delete("/cart/" + itemId), f.bearer(eko)), 404);
        assertThat(json(f.http.get("/cart", f.bearer(ani))).get("items")).hasSize(2);
        var malformed = f.http.send(delete("/cart/not-a-uuid"), f.bearer(ani));
        assertProblem(malformed, 400);
        assertThat(fieldsOf(malformed)).containsExactly("item_id");
        assertProblem(f.http.send(delete("/cart/" + itemId)), 401);

        assertThat(f.http.send(delete("/cart/" + itemId), f.bearer(ani)).statusCode()).isEqualTo(204);
        assertProblem(f.http.send(delete("/cart/" + itemId), f.bearer(ani)), 404);
        assertThat(json(f.http.get("/cart", f.bearer(ani))).get("items")).hasSize(1);

        assertThat(f.http.send(delete("/cart"), f.bearer(ani)).statusCode()).isEqualTo(204);
        assertThat(json(f.http.get("/cart", f.bearer(ani))).get("items")).isEmpty();
    }

    @Test
    void addToCartCommandIsAppliedExactlyOnce() {
        String user = newId();
        String kopi = f.product("Kopi", 85_000);
        String op = newId();
        AddToCart command = AddToCart.newBuilder().setOperationId(op).setUserId(user).setProductId(kopi)
                .setQuantity(3).setRequestedAt(Timestamp.newBuilder().setSeconds(1)).build();
        String ceId = newId();
        f.publish(Topics.CART_COMMANDS, user, command, ceId);
        f.publish(Topics.CART_COMMANDS, user, command, ceId);      // redelivered record
        f.publish(Topics.CART_COMMANDS, user, command, newId());   // the same add sent again as a new command
        // and a marker after them: once it is applied, the three before it were processed
        String marker = f.product("Marker", 1);
        f.publish(Topics.CART_COMMANDS, user, command.toBuilder().setOperationId(newId()).setProductId(marker)
                .setQuantity(1).build(), newId());
        await().atMost(Duration.ofSeconds(20)).until(() -> json(f.http.get("/cart", f.bearer(user))).get("items").size() == 2);

        JsonNode items = json(f.http.get("/cart", f.bearer(user))).get("items");
        assertThat(items.get(0).get("product_id").asText()).isEqualTo(kopi);
        assertThat(items.get(0).get("quantity").asInt()).isEqualTo(3);
        // the gRPC call of that same add (stock retried it after the command) changes nothing either
        assertThat(f.cart.addItem(add(op, user, kopi, 3)).getItems(0).getQuantity()).isEqualTo(3);
    }

    private static java.net.http.HttpRequest.Builder delete(String path) {
        return java.net.http.HttpRequest.newBuilder(f.http.uri(path)).DELETE();
    }
}

package dev.kedai.cartorder;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.Status;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.kedai.cartorder.CartOrderFixture.newId;
import static dev.kedai.platform.testing.TestHttp.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Product, stock or user down or slow: checkout answers 503/504, keeps the cart, and the peer's
 * circuit opens (then calls fail without reaching the peer) and closes again. "At once" is told
 * apart from "after the deadline" by the status, not by a clock: a call that waited for its
 * deadline (1 s here) is a 504, a refused or short-circuited one a 503.
 */
class PeerOutageTest {

    private static CartOrderFixture f;

    @BeforeAll
    static void start() {
        // a fixture of its own: these tests take peers down and open circuits
        f = new CartOrderFixture(Map.of());
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    private static String cartLines(String user) {
        return f.query("SELECT GROUP_CONCAT(CONCAT(product_id, 'x', quantity) ORDER BY product_id) FROM cart_items"
                       + " WHERE user_id = ?", user);
    }

    @Test
    void productDownMeans503AndTheCartUntouched() {
        String user = newId();
        f.add(user, f.product("Kopi", 10_000), 2);
        String before = cartLines(user);
        f.peers.stop("product");
        try {
            for (int i = 0; i < 6; i++) {
                assertProblem(f.checkout(user, "k", "{}"), 503);
                assertProblem(f.http.get("/cart", f.bearer(user)), 503);
            }
            assertThat(cartLines(user)).isEqualTo(before);
            assertThat(f.count("SELECT COUNT(*) FROM orders WHERE user_id = ?", user)).isZero();
        } finally {
            f.peers.start("product");
        }
        // back up: the circuit closes after its delay and the same key works
        await().atMost(Duration.ofSeconds(15)).until(() -> f.checkout(user, "k", "{}").statusCode() == 201);
    }

    @Test
    void stockSlowOrDownMeans504Or503ThenTheCircuitOpensAndCloses() {
        String user = newId();
        String kopi = f.product("Kopi", 10_000);
        f.add(user, kopi, 1);
        String before = cartLines(user);
        CountDownLatch stall = new CountDownLatch(1);
        try {
            // slow: stock does not answer at all, the deadline cuts the call, and what it may have reserved is released
            f.peers.stockStall = stall;
            int releasesBefore = f.peers.releases.size();
            assertProblem(f.checkout(user, "s1", "{}"), 504);
            await().atMost(Duration.ofSeconds(5)).until(() -> f.peers.releases.size() > releasesBefore);

            // enough failures open the circuit: the answer is a 503 and stock is not called at all
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                int calls = f.peers.reserveCalls.get();
                HttpResponse<String> res = f.checkout(user, "s2", "{}");
                return res.statusCode() == 503 && f.peers.reserveCalls.get() == calls;
            });

            // down: refused connections are 503 at once too, never a wait for the deadline (504)
            f.peers.stockStall = null;
            stall.countDown();
            f.peers.stop("stock");
            for (int i = 0; i < 4; i++) {
                assertProblem(f.checkout(user, "s3", "{}"), 503);
            }
            assertThat(cartLines(user)).isEqualTo(before);
            assertThat(f.count("SELECT COUNT(*) FROM orders WHERE user_id = ?", user)).isZero();
        } finally {
            f.peers.stockStall = null;
            stall.countDown();
            f.peers.start("stock");
        }
        // back up: the circuit closes after its delay and the checkout goes through
        await().atMost(Duration.ofSeconds(15)).until(() -> f.checkout(user, "s3", "{}").statusCode() == 201);
        assertThat(cartLines(user)).isNull();
    }

    @Test
    void unknownAddressesNeverOpenTheUserCircuitButAFailingUserServiceDoes() {
        String user = newId();
        String address = newId();
        f.peers.address(user, address);
        f.add(user, f.product("Kopi", 10_000), 1);

        // NOT_FOUND is an answer, not an outage: more of them than the breaker's volume, each one a 404
        int calls = f.peers.addressCalls.get();
        for (int i = 0; i < 10; i++) {
            assertProblem(f.checkout(user, "unknown-" + i, "{\"address_id\":\"" + newId() + "\"}"), 404);
        }
        assertThat(f.peers.addressCalls.get()).as("every lookup reached the user service").isEqualTo(calls + 10);

        try {
            f.peers.userFailure = Status.UNAVAILABLE.withDescription("user service failing");
            assertProblem(f.checkout(user, "u1", "{\"address_id\":\"" + address + "\"}"), 503);
            // enough failures open the circuit: the answer is a 503 and the user service is not called at all
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                int before = f.peers.addressCalls.get();
                HttpResponse<String> res = f.checkout(user, "u2", "{\"address_id\":\"" + address + "\"}");
                return res.statusCode() == 503 && f.peers.addressCalls.get() == before;
            });
            assertThat(f.count("SELECT COUNT(*) FROM orders WHERE user_id = ?", user)).isZero();
        } finally {
            f.peers.userFailure = null;
        }
        // healthy again: the circuit closes after its delay and the checkout goes through
        await().atMost(Duration.ofSeconds(15)).until(
                () -> f.checkout(user, "u3", "{\"address_id\":\"" + address + "\"}").statusCode() == 201);
    }

    @Test
    void aPeersRefusalOrFailureIsAProblemNeverA500() {
        String user = newId();
        String address = newId();
        f.peers.address(user, address);
        f.add(user, f.product("Kopi", 10_000), 1);
        try {
            f.peers.userFailure = Status.INVALID_ARGUMENT.withDescription("address_id is malformed");
            JsonNode refused = assertProblem(f.checkout(user, "r1", "{\"address_id\":\"" + address + "\"}"), 400);
            assertThat(refused.get("detail").asText()).contains("address_id is malformed");
            f.peers.userFailure = Status.INTERNAL.withDescription("user service bug");
            assertProblem(f.checkout(user, "r2", "{\"address_id\":\"" + address + "\"}"), 503);
            f.peers.userFailure = Status.PERMISSION_DENIED.withDescription("not for you");
            assertProblem(f.checkout(user, "r3", "{\"address_id\":\"" + address + "\"}"), 503);
        } finally {
            f.peers.userFailure = null;
        }
        assertThat(f.count("SELECT COUNT(*) FROM orders WHERE user_id = ?", user)).isZero();
        // the INTERNAL answers count against the user circuit: once it is closed again the checkout goes through
        await().atMost(Duration.ofSeconds(15)).until(
                () -> f.checkout(user, "r4", "{\"address_id\":\"" + address + "\"}").statusCode() == 201);
    }

    /**
     * Stock is up and answers Reserve with a refusal (INVALID_ARGUMENT: 400) or a failure of its own
     * (UNIMPLEMENTED: 503), never a 500 (issue 13): no order, the cart as it was, the key and the
     * cart's claim given back (the same key makes the order once stock answers again) and no
     * record of a reservation left behind.
     */
    @Test
    void stockRefusingOrFailingAReserveIsA400Or503AndTheCheckoutLeavesNothingBehind() {
        String user = newId();
        f.add(user, f.product("Kopi", 10_000), 2);
        String before = cartLines(user);
        Map<Status.Code, Integer> expected = new java.util.LinkedHashMap<>();
        expected.put(Status.Code.INVALID_ARGUMENT, 400);
        expected.put(Status.Code.UNIMPLEMENTED, 503);
        try {
            for (var e : expected.entrySet()) {
                f.peers.stockFailure = Status.fromCode(e.getKey()).withDescription("stock says " + e.getKey());
                int calls = f.peers.reserveCalls.get();
                JsonNode problem = assertProblem(f.checkout(user, "k-" + e.getKey(), "{}"), e.getValue());
                assertThat(f.peers.reserveCalls.get()).as("the Reserve reached stock").isEqualTo(calls + 1);
                if (e.getValue() == 400) {
                    assertThat(problem.get("detail").asText()).contains("stock says INVALID_ARGUMENT");
                }
            }
        } finally {
            f.peers.stockFailure = null;
        }
        assertThat(cartLines(user)).isEqualTo(before);
        assertThat(f.count("SELECT COUNT(*) FROM orders WHERE user_id = ?", user)).isZero();
        await().atMost(Duration.ofSeconds(10)).until(
                () -> f.count("SELECT COUNT(*) FROM checkout_reservations WHERE user_id = ?", user) == 0);
        // the UNIMPLEMENTED counts against the stock circuit: once it is closed the same key orders the cart
        await().atMost(Duration.ofSeconds(15)).until(() -> f.checkout(user, "k-INVALID_ARGUMENT", "{}").statusCode() == 201);
        assertThat(cartLines(user)).isNull();
        assertThat(f.count("SELECT COUNT(*) FROM orders WHERE user_id = ?", user)).isEqualTo(1);
    }

    /**
     * Stock refuses the Extend a payment starts with (INVALID_ARGUMENT or FAILED_PRECONDITION): the
     * pay is a 409 before anything is charged, the attempt is closed (ABANDONED), the order stays
     * payable and its reservation held; once stock answers again the order is paid with one charge.
     */
    @Test
    void stockRefusingThePaymentsHoldIsA409AndNothingIsCharged() {
        String user = newId();
        String orderId = f.placeOrder(user, 10_000);
        try {
            for (Status.Code code : List.of(Status.Code.INVALID_ARGUMENT, Status.Code.FAILED_PRECONDITION)) {
                f.peers.stockFailure = Status.fromCode(code).withDescription("stock says " + code);
                assertProblem(f.pay(user, orderId, "tok_visa"), 409);
                assertThat(f.gateway.charges(orderId)).as(code.name()).isZero();
                assertThat(f.query("SELECT status FROM orders WHERE order_id = ?", orderId)).isEqualTo("PENDING_PAYMENT");
                assertThat(f.count("SELECT COUNT(*) FROM payment_attempts WHERE order_id = ? AND status <> 'ABANDONED'",
                                   orderId)).isZero();
            }
        } finally {
            f.peers.stockFailure = null;
        }
        assertThat(f.peers.holds(orderId)).isTrue();
        HttpResponse<String> paid = f.pay(user, orderId, "tok_visa");
        assertThat(paid.statusCode()).as(paid.body()).isEqualTo(200);
        assertThat(f.gateway.charges(orderId)).isEqualTo(1);
        assertThat(f.gateway.refunds(orderId)).isZero();
    }

    @Test
    void whileStockIsDownAPayGoesOnOnlyIfTheReservationOutlivesThePayment() {
        String user = newId();
        String fresh = f.placeOrder(user, 10_000);
        String closeToExpiry = f.placeOrder(user, 10_000);
        // 20 s left: less than the payment's in-flight window (30 s) that the reservation must outlive
        f.query("UPDATE orders SET expires_at = CURRENT_TIMESTAMP(3) + INTERVAL 20 SECOND WHERE order_id = ?", closeToExpiry);
        f.peers.stop("stock");
        try {
            HttpResponse<String> refused = f.pay(user, closeToExpiry, "tok_visa");
            assertProblem(refused, 503);
            assertThat(f.gateway.charges(closeToExpiry)).isZero();
            // the reservation made at checkout holds for 15 more minutes: the payment need not wait for stock
            HttpResponse<String> paid = f.pay(user, fresh, "tok_visa");
            assertThat(paid.statusCode()).as(paid.body()).isEqualTo(200);
        } finally {
            f.peers.start("stock");
        }
        // stock back: the other order can be paid, its reservation held for the payment
        await().atMost(Duration.ofSeconds(15)).until(() -> f.pay(user, closeToExpiry, "tok_visa").statusCode() == 200);
        assertThat(f.peers.extensions).containsKey(closeToExpiry);
        assertThat(f.gateway.charges(closeToExpiry)).isEqualTo(1);
    }
}

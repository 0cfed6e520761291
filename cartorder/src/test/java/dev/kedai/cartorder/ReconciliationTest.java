package dev.kedai.cartorder;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.kedai.contracts.Topics;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.proto.cartorder.v1.OrderCancelled;
import dev.kedai.proto.stock.v1.ReservationExpired;
import dev.kedai.proto.stock.v1.ReservationLost;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.kedai.cartorder.CartOrderFixture.newId;
import static dev.kedai.platform.testing.TestHttp.assertProblem;
import static dev.kedai.platform.testing.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The payment reconciliation settles what a dead process left, without any call of the customer:
 * the process is "killed" by a provider seam that throws at the moment it would die.
 */
class ReconciliationTest {

    private static final Duration SETTLES = Duration.ofSeconds(20);
    private static CartOrderFixture f;

    @BeforeAll
    static void start() {
        f = new CartOrderFixture(Map.of("payment.reconcile-interval", "PT0.2S"));
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    @AfterEach
    void noHooks() {
        f.hooks.clear();
    }

    private static String status(String user, String orderId) {
        return json(f.http.get("/order/" + orderId, f.bearer(user))).get("status").asText();
    }

    private static String attempt(String orderId) {
        return f.query("SELECT status FROM payment_attempts WHERE order_id = ?", orderId);
    }

    // the provider charged, then the paying process "died" before recording it: the attempt stays PENDING
    private static void payDiesAfterTheProviderCharged(String user, String orderId) {
        f.hooks.afterCharge = attemptId -> {
            throw new IllegalStateException("the process died after the provider charged");
        };
        assertProblem(f.pay(user, orderId, "tok_visa"), 503);
        f.hooks.clear();
    }

    // the in-flight window (30 s) is over for this order's attempts
    private static void outliveTheInFlightWindow(String orderId) {
        f.query("UPDATE payment_attempts SET created_at = created_at - INTERVAL 1 HOUR WHERE order_id = ?", orderId);
    }

    @Test
    void aChargeWhoseProcessDiedBeforeRecordingItPaysTheOrderWithoutAnyCall() {
        String user = newId();
        String orderId = f.placeOrder(user, 10_000);
        payDiesAfterTheProviderCharged(user, orderId);
        assertThat(attempt(orderId)).isEqualTo("PENDING");
        assertThat(f.gateway.charges(orderId)).isEqualTo(1);

        outliveTheInFlightWindow(orderId);
        await().atMost(SETTLES).until(() -> status(user, orderId).equals("PAID"));
        assertThat(attempt(orderId)).isEqualTo("APPROVED");
        assertThat(f.gateway.refunds(orderId)).isZero();
        assertThat(f.count("SELECT COUNT(*) FROM outbox WHERE event_key = ? AND event_type = ?", orderId,
                           "kedai.cartorder.v1.OrderPaid")).isEqualTo(1);
    }

    @Test
    void aChargeWhoseProcessDiedIsRefundedWhenTheOrderWasCancelledMeanwhile() {
        String user = newId();
        String orderId = f.placeOrder(user, 10_000);
        payDiesAfterTheProviderCharged(user, orderId);
        // the reservation expired meanwhile: the order is cancelled with the charge still unrecorded
        f.publish(Topics.STOCK, orderId, ReservationExpired.newBuilder().setOrderId(orderId).build(), newId());
        await().atMost(SETTLES).until(() -> status(user, orderId).equals("CANCELLED"));

        outliveTheInFlightWindow(orderId);
        await().atMost(SETTLES).until(() -> attempt(orderId).equals("REFUNDED"));
        assertThat(f.gateway.charges(orderId)).isEqualTo(1);
        assertThat(f.gateway.refunds(orderId)).isEqualTo(1);
        assertThat(status(user, orderId)).isEqualTo("CANCELLED");
    }

    @Test
    void aRefundDecidedButNeverMadeIsMadeOnceWithoutAnyCall() {
        String user = newId();
        String orderId = f.placeOrder(user, 10_000);
        // the order is cancelled while the provider charges: the refund is decided (REFUNDING committed)...
        f.hooks.afterCharge = attemptId -> {
            f.publish(Topics.STOCK, orderId, ReservationExpired.newBuilder().setOrderId(orderId).build(), newId());
            await().atMost(SETTLES).until(() -> status(user, orderId).equals("CANCELLED"));
        };
        // ... and the process dies before the provider is asked for it
        AtomicBoolean died = new AtomicBoolean();
        f.hooks.beforeRefund = attemptId -> {
            if (died.compareAndSet(false, true)) {
                throw new IllegalStateException("the process died between deciding the refund and making it");
            }
        };
        HttpResponse<String> pay = f.pay(user, orderId, "tok_visa");
        assertThat(pay.statusCode()).isEqualTo(409);
        assertThat(died).isTrue();

        await().atMost(SETTLES).until(() -> attempt(orderId).equals("REFUNDED"));
        assertThat(f.gateway.charges(orderId)).isEqualTo(1);
        assertThat(f.gateway.refunds(orderId)).isEqualTo(1);
    }

    @Test
    void anUnpaidOrderPastItsExpiryIsCancelledAndItsStockReleasedWithoutAnyCall() {
        String user = newId();
        String orderId = f.placeOrder(user, 10_000);
        f.query("UPDATE orders SET expires_at = CURRENT_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE order_id = ?", orderId);

        await().atMost(SETTLES).until(() -> status(user, orderId).equals("CANCELLED"));
        assertThat(f.query("SELECT cancel_reason FROM orders WHERE order_id = ?", orderId)).isEqualTo("EXPIRED");
        assertThat(f.count("SELECT COUNT(*) FROM outbox WHERE event_key = ? AND event_type = ?", orderId,
                           "kedai.cartorder.v1.OrderCancelled")).isEqualTo(1);
        assertThat(f.peers.holds(orderId)).isFalse();
        assertThat(f.peers.releases).contains(orderId);
    }

    @Test
    void aPaidOrderWhoseStockWasLostIsCancelledAndRefundedAutomaticallyAndTheHistoryShowsIt() throws Exception {
        String user = newId();
        String orderId = f.placeOrder(user, 10_000);
        assertThat(f.pay(user, orderId, "tok_visa").statusCode()).isEqualTo(200);
        // stock met OrderPaid after the reservation had expired, and the units were sold elsewhere
        String lostEvent = newId();
        ReservationLost lost = ReservationLost.newBuilder().setOrderId(orderId).build();
        f.publish(Topics.STOCK, orderId, lost, lostEvent);
        f.publish(Topics.STOCK, orderId, lost, lostEvent);

        await().atMost(SETTLES).until(() -> "REFUNDED".equals(attempt(orderId)));
        assertThat(f.gateway.charges(orderId)).isEqualTo(1);
        assertThat(f.gateway.refunds(orderId)).isEqualTo(1);
        JsonNode listed = json(f.http.get("/order", f.bearer(user))).get("items").get(0);
        assertThat(listed.get("order_id").asText()).isEqualTo(orderId);
        assertThat(listed.get("status").asText()).isEqualTo("CANCELLED");
        assertThat(listed.get("cancel_reason").asText()).isEqualTo("OUT_OF_STOCK");
        OrderCancelled cancelled = OrderCancelled.parseFrom(f.blob(
                "SELECT payload FROM outbox WHERE event_key = ? AND event_type = ?", orderId, "kedai.cartorder.v1.OrderCancelled"));
        assertThat(cancelled.getReason()).isEqualTo("OUT_OF_STOCK");
        assertThat(f.count("SELECT COUNT(*) FROM outbox WHERE event_key = ? AND event_type = ?", orderId,
                           "kedai.cartorder.v1.OrderCancelled")).isEqualTo(1);
    }
}

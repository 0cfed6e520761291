package dev.kedai.cartorder;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.contracts.Topics;
import dev.kedai.platform.money.Money;
import dev.kedai.proto.stock.v1.ReservationCommitted;
import dev.kedai.proto.stock.v1.ReservationExpired;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.kedai.cartorder.CartOrderFixture.newId;
import static dev.kedai.platform.testing.TestHttp.assertProblem;
import static dev.kedai.platform.testing.TestHttp.fieldsOf;
import static dev.kedai.platform.testing.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class PaymentTest {

    // one thread per concurrent request: the common pool may have fewer than the test needs at once
    private static final ExecutorService POOL = Executors.newCachedThreadPool();
    private static CartOrderFixture f;

    @BeforeAll
    static void start() {
        f = CartOrderFixture.shared();
    }

    @AfterEach
    void noHooks() {
        f.hooks.clear();
    }

    private static String status(String user, String orderId) {
        return json(f.http.get("/order/" + orderId, f.bearer(user))).get("status").asText();
    }

    /** The process recorded an attempt of 10,000 IDR a minute ago, the provider charged it, then the process died. */
    private static void chargedButLeftPending(String orderId) {
        String attemptId = newId();
        f.query("""
                INSERT INTO payment_attempts (attempt_id, order_id, status, amount, currency, created_at)
                VALUES (?, ?, 'PENDING', 10000, 'IDR', CURRENT_TIMESTAMP(3) - INTERVAL 1 MINUTE)""", attemptId, orderId);
        f.gateway.charge(new PaymentGateway.Charge(attemptId, orderId, new Money(10_000, "IDR"), "tok_visa"));
    }

    @Test
    void anApprovedPaymentPaysTheOrderOnceAndPublishesOrderPaid() {
        String user = newId();
        String orderId = f.placeOrder(user, 50_000);
        HttpResponse<String> paid = f.pay(user, orderId, "tok_visa");
        assertThat(paid.statusCode()).as(paid.body()).isEqualTo(200);
        assertThat(json(paid).get("status").asText()).isEqualTo("PAID");
        assertThat(f.gateway.charges(orderId)).isEqualTo(1);
        assertThat(f.query("SELECT event_type FROM outbox WHERE event_key = ? ORDER BY id DESC LIMIT 1", orderId))
                .isEqualTo("kedai.cartorder.v1.OrderPaid");
        assertThat(f.query("SELECT status FROM payment_attempts WHERE order_id = ?", orderId)).isEqualTo("APPROVED");

        // paying again is a 409 and charges nothing; a paid order cannot be cancelled
        assertProblem(f.pay(user, orderId, "tok_visa"), 409);
        assertProblem(f.cancel(user, orderId), 409);
        assertThat(f.gateway.charges(orderId)).isEqualTo(1);
    }

    @Test
    void aDeclineIs402AndTheOrderStaysPayable() {
        String user = newId();
        String orderId = f.placeOrder(user, 50_000);
        assertProblem(f.pay(user, orderId, "tok_decline"), 402);
        assertThat(status(user, orderId)).isEqualTo("PENDING_PAYMENT");
        assertThat(f.pay(user, orderId, "tok_mastercard").statusCode()).isEqualTo(200);
        assertThat(f.gateway.charges(orderId)).isEqualTo(1);
    }

    @Test
    void aTimeoutIs504WithoutChargeAndTheOrderStaysPayable() {
        String user = newId();
        String orderId = f.placeOrder(user, 50_000);
        assertProblem(f.pay(user, orderId, "tok_timeout"), 504);
        assertThat(f.gateway.charges(orderId)).isZero();
        assertThat(status(user, orderId)).isEqualTo("PENDING_PAYMENT");
        assertThat(f.pay(user, orderId, "tok_visa").statusCode()).isEqualTo(200);
        assertThat(f.count("SELECT COUNT(*) FROM payment_attempts WHERE order_id = ?", orderId)).isEqualTo(2);
    }

    @Test
    void concurrentPaysChargeOnce() throws Exception {
        String user = newId();
        String orderId = f.placeOrder(user, 50_000);
        List<CompletableFuture<HttpResponse<String>>> pays = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        for (int i = 0; i < 6; i++) {
            pays.add(CompletableFuture.supplyAsync(() -> {
                await().until(() -> go.getCount() == 0);
                return f.pay(user, orderId, "tok_visa");
            }));
        }
        go.countDown();
        List<Integer> codes = pays.stream().map(CompletableFuture::join).map(HttpResponse::statusCode).toList();
        assertThat(codes).containsOnly(200, 409).containsOnlyOnce(200);
        assertThat(f.gateway.charges(orderId)).isEqualTo(1);
    }

    @Test
    void concurrentPayAndCancelOfOneOrderHaveExactlyOneWinner() {
        String user = newId();
        for (int round = 0; round < 8; round++) {
            String orderId = f.placeOrder(user, 10_000);
            CompletableFuture<HttpResponse<String>> pay = CompletableFuture.supplyAsync(() -> f.pay(user, orderId, "tok_visa"));
            CompletableFuture<HttpResponse<String>> cancel = CompletableFuture.supplyAsync(() -> f.cancel(user, orderId));
            int payCode = pay.join().statusCode();
            int cancelCode = cancel.join().statusCode();
            String finalStatus = status(user, orderId);
            if (payCode == 200) {
                assertThat(cancelCode).isEqualTo(409);
                assertThat(finalStatus).isEqualTo("PAID");
                assertThat(f.gateway.charges(orderId) - f.gateway.refunds(orderId)).isEqualTo(1);
            } else {
                assertThat(payCode).isEqualTo(409);
                assertThat(cancelCode).isEqualTo(200);
                assertThat(finalStatus).isEqualTo("CANCELLED");
                assertThat(f.gateway.charges(orderId) - f.gateway.refunds(orderId)).isZero();
            }
        }
    }

    @Test
    void cancelPublishesOrderCancelledAndACancelledOrExpiredOrderCannotBePaid() {
        String user = newId();
        String orderId = f.placeOrder(user, 10_000);
        assertProblem(f.cancel(newId(), orderId), 404);
        HttpResponse<String> cancelled = f.cancel(user, orderId);
        assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
        assertThat(json(cancelled).get("status").asText()).isEqualTo("CANCELLED");
        assertThat(f.query("SELECT event_type FROM outbox WHERE event_key = ? ORDER BY id DESC LIMIT 1", orderId))
                .isEqualTo("kedai.cartorder.v1.OrderCancelled");
        assertThat(f.cancel(user, orderId).statusCode()).isEqualTo(200);   // idempotent
        assertProblem(f.pay(user, orderId, "tok_visa"), 409);

        String late = f.placeOrder(user, 10_000);
        f.query("UPDATE orders SET expires_at = CURRENT_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE order_id = ?", late);
        assertProblem(f.pay(user, late, "tok_visa"), 409);
        assertThat(f.gateway.charges(late)).isZero();
    }

    @Test
    void payHoldsTheReservationForThePaymentBeforeItCharges() {
        String user = newId();
        String orderId = f.placeOrder(user, 10_000);
        AtomicReference<Integer> heldWhenCharged = new AtomicReference<>();
        f.hooks.afterCharge = attemptId -> heldWhenCharged.set(f.peers.extensions.get(orderId));
        Instant before = Instant.now();
        assertThat(f.pay(user, orderId, "tok_visa").statusCode()).isEqualTo(200);
        // payment.reservation-hold (PT10M): the units outlive the payment and the OrderPaid that follows it
        assertThat(heldWhenCharged.get()).isEqualTo(600);
        assertThat(f.peers.expiry(orderId)).isAfterOrEqualTo(before.plusSeconds(600).truncatedTo(ChronoUnit.MILLIS));
    }

    @Test
    void aPayWhoseReservationIsGoneIs409AndChargesNothing() {
        String user = newId();
        String orderId = f.placeOrder(user, 10_000);
        f.peers.expire(orderId);   // stock's sweeper got there first; ReservationExpired is on its way
        HttpResponse<String> pay = f.pay(user, orderId, "tok_visa");
        assertProblem(pay, 409);
        assertThat(json(pay).get("detail").asText()).contains("reservation");
        assertThat(f.gateway.charges(orderId)).isZero();
        assertThat(f.query("SELECT status FROM payment_attempts WHERE order_id = ?", orderId)).isEqualTo("ABANDONED");
    }

    @Test
    void cancelReleasesTheReservationBeforeItAnswers() {
        String user = newId();
        String orderId = f.placeOrder(user, 10_000);
        assertThat(f.peers.holds(orderId)).isTrue();
        assertThat(f.cancel(user, orderId).statusCode()).isEqualTo(200);
        // no event had to be consumed: the units are back when the answer arrives
        assertThat(f.peers.holds(orderId)).isFalse();
        assertThat(f.peers.releases).contains(orderId);
    }

    @Test
    void stockEventsExpireUnpaidOrdersAndFulfilPaidOnes() {
        String user = newId();
        String unpaid = f.placeOrder(user, 10_000);
        String paid = f.placeOrder(user, 10_000);
        assertThat(f.pay(user, paid, "tok_visa").statusCode()).isEqualTo(200);

        String expiredEvent = newId();
        f.publish(Topics.STOCK, unpaid, ReservationExpired.newBuilder().setOrderId(unpaid).build(), expiredEvent);
        f.publish(Topics.STOCK, unpaid, ReservationExpired.newBuilder().setOrderId(unpaid).build(), expiredEvent);
        f.publish(Topics.STOCK, paid, ReservationExpired.newBuilder().setOrderId(paid).build(), newId());
        f.publish(Topics.STOCK, paid, ReservationCommitted.newBuilder().setOrderId(paid).build(), newId());
        await().atMost(Duration.ofSeconds(20)).until(() -> status(user, unpaid).equals("CANCELLED")
                && status(user, paid).equals("FULFILLED"));
        assertThat(f.count("SELECT COUNT(*) FROM outbox WHERE event_key = ? AND event_type = ?", unpaid,
                           "kedai.cartorder.v1.OrderCancelled")).isEqualTo(1);
        assertProblem(f.pay(user, unpaid, "tok_visa"), 409);
    }

    @Test
    void anAttemptLeftByADeadProcessIsSettledFromTheProviderNotChargedAgain() {
        String user = newId();
        String orderId = f.placeOrder(user, 10_000);
        chargedButLeftPending(orderId);

        // the client retries: the order is paid by the first charge, and the retry is told it is already paid
        assertProblem(f.pay(user, orderId, "tok_visa"), 409);
        assertThat(status(user, orderId)).isEqualTo("PAID");
        assertThat(f.gateway.charges(orderId)).isEqualTo(1);
    }

    @Test
    void concurrentPaysOverAStaleApprovedAttemptPayTheOrderAndRefundNothing() throws Exception {
        String user = newId();
        String orderId = f.placeOrder(user, 10_000);
        String attemptId = staleApprovedAttempt(orderId, 10_000);

        // all six find the abandoned attempt and learn from the provider that it was approved before any
        // of them settles it: one of them pays the order with it
        CountDownLatch allLookedUp = new CountDownLatch(6);
        f.hooks.afterLookup = id -> {
            allLookedUp.countDown();
            awaitQuietly(allLookedUp);
        };
        List<CompletableFuture<HttpResponse<String>>> pays = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            pays.add(CompletableFuture.supplyAsync(() -> f.pay(user, orderId, "tok_visa"), POOL));
        }
        List<Integer> codes = pays.stream().map(CompletableFuture::join).map(HttpResponse::statusCode).toList();
        assertThat(codes).as("paid, or already paid").isSubsetOf(200, 409);
        assertThat(status(user, orderId)).isEqualTo("PAID");
        assertThat(f.gateway.charges(orderId)).isEqualTo(1);
        assertThat(f.gateway.refunds(orderId)).as("the charge that paid the order is never refunded").isZero();
        assertThat(f.query("SELECT status FROM payment_attempts WHERE attempt_id = ?", attemptId)).isEqualTo("APPROVED");
    }

    @Test
    void aChargeApprovedForAnOrderCancelledMeanwhileIsRefundedOnceAndRecordedSo() {
        String user = newId();
        String orderId = f.placeOrder(user, 10_000);
        // while the provider charges, the order's reservation expires and the order is cancelled
        f.hooks.afterCharge = attemptId -> {
            f.publish(Topics.STOCK, orderId, ReservationExpired.newBuilder().setOrderId(orderId).build(), newId());
            await().atMost(Duration.ofSeconds(20)).until(() -> status(user, orderId).equals("CANCELLED"));
        };
        HttpResponse<String> late = f.pay(user, orderId, "tok_visa");
        assertProblem(late, 409);
        assertThat(json(late).get("detail").asText()).contains("refunded");
        assertThat(f.gateway.charges(orderId)).isEqualTo(1);
        assertThat(f.gateway.refunds(orderId)).isEqualTo(1);
        assertThat(f.query("SELECT status FROM payment_attempts WHERE order_id = ?", orderId)).isEqualTo("REFUNDED");
        assertThat(status(user, orderId)).isEqualTo("CANCELLED");
    }

    @Test
    void aBurstOfPaysPastTheRequestLimitWaitsItsTurnInsteadOfBeingRefused() {
        // ten more pays at once than cartorder's limit lets in (application.yaml): a GC pause's worth
        int permits = Config.just(ConfigSources.classpath("application.yaml"))
                .get("server.concurrency-limit.fixed.permits").asInt().get();
        int burst = permits + 10;
        List<String[]> orders = new ArrayList<>();
        for (int i = 0; i < burst; i++) {
            String user = newId();
            orders.add(new String[] {user, f.placeOrder(user, 10_000)});
        }
        // every permit is held by a pay waiting on a slow provider
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger charging = new AtomicInteger();
        f.hooks.afterCharge = id -> {
            charging.incrementAndGet();
            awaitQuietly(release);
        };
        try {
            List<CompletableFuture<HttpResponse<String>>> held = orders.subList(0, permits).stream()
                    .map(o -> CompletableFuture.supplyAsync(() -> f.pay(o[0], o[1], "tok_visa"), POOL)).toList();
            await().atMost(Duration.ofSeconds(20)).until(() -> charging.get() == permits);
            // only now the ten more: they find every permit taken and wait in the queue, none refused
            // (a refusal comes back within milliseconds; the queue holds them up to 250 ms)
            List<CompletableFuture<HttpResponse<String>>> queued = orders.subList(permits, burst).stream()
                    .map(o -> CompletableFuture.supplyAsync(() -> f.pay(o[0], o[1], "tok_visa"), POOL)).toList();
            await().during(Duration.ofMillis(50)).pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(2))
                    .until(() -> queued.stream().noneMatch(CompletableFuture::isDone));
            release.countDown();
            List<HttpResponse<String>> answers = Stream.concat(held.stream(), queued.stream())
                    .map(CompletableFuture::join).toList();
            assertThat(answers).as("a burst below the queue's length is served, not shed: %s",
                                   answers.stream().filter(a -> a.statusCode() != 200).map(HttpResponse::body).toList())
                    .allMatch(a -> a.statusCode() == 200);
        } finally {
            release.countDown();
        }
    }

    static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // the process recorded the attempt, the provider charged it, then the process died (a minute ago)
    private static String staleApprovedAttempt(String orderId, long amount) {
        String attemptId = newId();
        f.query("""
                INSERT INTO payment_attempts (attempt_id, order_id, status, amount, currency, created_at)
                VALUES (?, ?, 'PENDING', ?, 'IDR', CURRENT_TIMESTAMP(3) - INTERVAL 1 MINUTE)""", attemptId, orderId, amount);
        f.gateway.charge(new PaymentGateway.Charge(attemptId, orderId, new Money(amount, "IDR"), "tok_visa"));
        return attemptId;
    }

    @Test
    void payAndCancelRejectBadInputAndForeignOrders() {
        String user = newId();
        String orderId = f.placeOrder(user, 10_000);
        assertProblem(f.pay(newId(), orderId, "tok_visa"), 404);
        assertProblem(f.pay(user, newId(), "tok_visa"), 404);
        var bad = f.pay(user, "nope", "visa");
        assertProblem(bad, 400);
        assertThat(fieldsOf(bad)).containsExactly("order_id", "payment_token");
        assertProblem(f.cancel(user, "nope"), 400);
        assertProblem(f.http.post("/order/pay", "application/json",
                                  ("{\"order_id\":\"" + orderId + "\",\"payment_token\":\"tok_visa\",\"amount\":1}").getBytes(),
                                  f.bearer(user)), 400);
        JsonNode order = json(f.http.get("/order/" + orderId, f.bearer(user)));
        assertThat(order.get("status").asText()).isEqualTo("PENDING_PAYMENT");
    }
}

package dev.kedai.cartorder;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.kedai.contracts.Topics;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.proto.cartorder.v1.OrderCancelled;
import dev.kedai.proto.stock.v1.ReservationCommitted;
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
        return status(f, user, orderId);
    }

    private static String status(CartOrderFixture fx, String user, String orderId) {
        return json(fx.http.get("/order/" + orderId, fx.bearer(user))).get("status").asText();
    }

    private static String attempt(String orderId) {
        return attempt(f, orderId);
    }

    private static String attempt(CartOrderFixture fx, String orderId) {
        return fx.query("SELECT status FROM payment_attempts WHERE order_id = ?", orderId);
    }

    // the provider charged, then the paying process "died" before recording it: the attempt stays PENDING
    private static void payDiesAfterTheProviderCharged(CartOrderFixture fx, String user, String orderId) {
        fx.hooks.afterCharge = attemptId -> {
            throw new IllegalStateException("the process died after the provider charged");
        };
        assertProblem(fx.pay(user, orderId, "tok_visa"), 503);
        fx.hooks.clear();
    }

    // the in-flight window (30 s) is over for this order's attempts
    private static void outliveTheInFlightWindow(CartOrderFixture fx, String orderId) {
        fx.query("UPDATE payment_attempts SET created_at = created_at - INTERVAL 1 HOUR WHERE order_id = ?", orderId);
    }

    // the order is cancelled while the provider charges it, so the refund is decided; the process dies
    // between committing that decision (REFUNDING) and asking the provider for it
    private static void refundDecidedThenTheProcessDies(CartOrderFixture fx, String user, String orderId) {
        fx.hooks.afterCharge = attemptId -> {
            fx.publish(Topics.STOCK, orderId, ReservationExpired.newBuilder().setOrderId(orderId).build(), newId());
            await().atMost(SETTLES).until(() -> status(fx, user, orderId).equals("CANCELLED"));
        };
        AtomicBoolean died = new AtomicBoolean();
        fx.hooks.beforeRefund = attemptId -> {
            if (died.compareAndSet(false, true)) {
                throw new IllegalStateException("the process died between deciding the refund and making it");
            }
        };
        assertThat(fx.pay(user, orderId, "tok_visa").statusCode()).isEqualTo(409);
        assertThat(died).isTrue();
        fx.hooks.clear();
    }

    @Test
    void aChargeWhoseProcessDiedBeforeRecordingItPaysTheOrderWithoutAnyCall() {
        String user = newId();
        String orderId = f.placeOrder(user, 10_000);
        payDiesAfterTheProviderCharged(f, user, orderId);
        assertThat(attempt(orderId)).isEqualTo("PENDING");
        assertThat(f.gateway.charges(orderId)).isEqualTo(1);

        outliveTheInFlightWindow(f, orderId);
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
        payDiesAfterTheProviderCharged(f, user, orderId);
        // the reservation expired meanwhile: the order is cancelled with the charge still unrecorded
        f.publish(Topics.STOCK, orderId, ReservationExpired.newBuilder().setOrderId(orderId).build(), newId());
        await().atMost(SETTLES).until(() -> status(user, orderId).equals("CANCELLED"));

        outliveTheInFlightWindow(f, orderId);
        await().atMost(SETTLES).until(() -> attempt(orderId).equals("REFUNDED"));
        assertThat(f.gateway.charges(orderId)).isEqualTo(1);
        assertThat(f.gateway.refunds(orderId)).isEqualTo(1);
        assertThat(status(user, orderId)).isEqualTo("CANCELLED");
    }

    @Test
    void aRefundDecidedButNeverMadeIsMadeOnceWithoutAnyCall() {
        String user = newId();
        String orderId = f.placeOrder(user, 10_000);
        refundDecidedThenTheProcessDies(f, user, orderId);

        await().atMost(SETTLES).until(() -> attempt(orderId).equals("REFUNDED"));
        assertThat(f.gateway.charges(orderId)).isEqualTo(1);
        assertThat(f.gateway.refunds(orderId)).isEqualTo(1);
    }

    /**
     * Fault suite, kill-stock then restart-stock: the provider charged, the pay never recorded it
     * (the attempt is PENDING past its in-flight window), and then the reservation's expiry cancelled
     * the order. Without any user call the order ends paid, or cancelled with the charge refunded.
     * (In PaymentTest it timed out: that fixture runs no reconciliation, which is what settles it.)
     */
    @Test
    void anExpiryNeverCancelsAnOrderKeepingAnApprovedCharge() {
        String user = newId();
        String orderId = f.placeOrder(user, 10_000);
        payDiesAfterTheProviderCharged(f, user, orderId);
        outliveTheInFlightWindow(f, orderId);

        f.publish(Topics.STOCK, orderId, ReservationExpired.newBuilder().setOrderId(orderId).build(), newId());
        await().atMost(SETTLES).until(() -> switch (status(user, orderId)) {
            case "PAID", "FULFILLED" -> f.gateway.refunds(orderId) == 0;
            case "CANCELLED" -> f.gateway.refunds(orderId) == f.gateway.charges(orderId);
            default -> false;
        });
        assertThat(f.gateway.charges(orderId)).isEqualTo(1);
    }

    /**
     * Issue 13's crash windows across a restart: one cartorder dies between the provider's charge
     * and recording it (two orders: one still payable, one whose reservation expired meanwhile) and
     * between deciding a refund and making it; it runs no reconciliation of its own. A new cartorder
     * on the same database and provider settles all of it without any customer call: one charge per
     * paid order, the charges of the cancelled orders refunded once, nothing refunded on the order
     * that went on to be fulfilled.
     */
    @Test
    void aRestartedCartorderSettlesWhatADeadOneLeftInEitherCrashWindow() {
        try (CartOrderFixture cartorder = new CartOrderFixture(Map.of())) {   // payment.reconcile-interval PT1H
            String user = newId();
            String paid = cartorder.placeOrder(user, 10_000);
            payDiesAfterTheProviderCharged(cartorder, user, paid);
            String expired = cartorder.placeOrder(user, 20_000);
            payDiesAfterTheProviderCharged(cartorder, user, expired);
            cartorder.publish(Topics.STOCK, expired, ReservationExpired.newBuilder().setOrderId(expired).build(), newId());
            await().atMost(SETTLES).until(() -> status(cartorder, user, expired).equals("CANCELLED"));
            String cancelled = cartorder.placeOrder(user, 30_000);
            refundDecidedThenTheProcessDies(cartorder, user, cancelled);
            assertThat(List.of(attempt(cartorder, paid), attempt(cartorder, expired), attempt(cartorder, cancelled)))
                    .containsExactly("PENDING", "PENDING", "REFUNDING");
            outliveTheInFlightWindow(cartorder, paid);
            outliveTheInFlightWindow(cartorder, expired);

            cartorder.restart(Map.of("payment.reconcile-interval", "PT0.2S"));
            await().atMost(SETTLES).until(() -> status(cartorder, user, paid).equals("PAID")
                    && attempt(cartorder, expired).equals("REFUNDED") && attempt(cartorder, cancelled).equals("REFUNDED"));
            cartorder.publish(Topics.STOCK, paid, ReservationCommitted.newBuilder().setOrderId(paid).build(), newId());
            await().atMost(SETTLES).until(() -> status(cartorder, user, paid).equals("FULFILLED"));
            // two orders expired one after the other: the second is cancelled by a round that began after the fulfilment
            for (int i = 0; i < 2; i++) {
                String marker = cartorder.placeOrder(user, 1_000);
                cartorder.query("UPDATE orders SET expires_at = CURRENT_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE order_id = ?", marker);
                await().atMost(SETTLES).until(() -> status(cartorder, user, marker).equals("CANCELLED"));
            }

            assertThat(List.of(cartorder.gateway.charges(paid), cartorder.gateway.refunds(paid))).as("fulfilled").containsExactly(1L, 0L);
            assertThat(List.of(cartorder.gateway.charges(expired), cartorder.gateway.refunds(expired))).as("expired").containsExactly(1L, 1L);
            assertThat(List.of(cartorder.gateway.charges(cancelled), cartorder.gateway.refunds(cancelled))).as("cancelled").containsExactly(1L, 1L);
            assertThat(cartorder.count("SELECT COUNT(*) FROM outbox WHERE event_key = ? AND event_type = ?", paid,
                                "kedai.cartorder.v1.OrderPaid")).isEqualTo(1);
        }
    }

    /**
     * Two replicas, each with its own reconciliation loops on the one database (issue 20), race over
     * what dead processes left: approved charges left PENDING past their in-flight window (two on
     * orders still payable, two on orders cancelled meanwhile) and checkouts that reserved stock and
     * never stored their order. Both replicas look each charge up at the provider before either
     * settles it, and both are busy releasing abandoned checkouts at the same moment. Each charge is
     * settled once: the payable orders are paid with one OrderPaid each and nothing refunded, the
     * cancelled ones refunded once (the provider's ledger); each abandoned checkout's reservation is
     * released by one Release, its units back once.
     */
    @Test
    void twoReplicasReconcilingAtOnceSettleEachChargeOnceAndReleaseEachReservationOnce() throws Exception {
        Map<String, String> fast = Map.of("payment.reconcile-interval", "PT0.1S", "checkout.release-interval", "PT0.1S",
                                          "checkout.abandoned-after", "PT1S",
                                          // a Release held below must not outlast its deadline: a retry would send another
                                          "grpc.client.default-deadline", "PT10S");
        try (CartOrderFixture fx = new CartOrderFixture(fast)) {
            var replica = fx.replica(Map.of());
            try {
                String user = newId();
                List<String> payable = List.of(fx.placeOrder(user, 10_000), fx.placeOrder(user, 20_000));
                List<String> cancelled = List.of(fx.placeOrder(user, 30_000), fx.placeOrder(user, 40_000));
                for (String orderId : java.util.stream.Stream.concat(payable.stream(), cancelled.stream()).toList()) {
                    payDiesAfterTheProviderCharged(fx, user, orderId);
                }
                for (String orderId : cancelled) {
                    fx.publish(Topics.STOCK, orderId, ReservationExpired.newBuilder().setOrderId(orderId).build(), newId());
                    await().atMost(SETTLES).until(() -> status(fx, user, orderId).equals("CANCELLED"));
                }
                // neither replica settles a charge before both have looked it up
                Map<String, java.util.concurrent.CountDownLatch> lookups = new java.util.concurrent.ConcurrentHashMap<>();
                fx.hooks.afterLookup = attemptId -> {
                    var both = lookups.computeIfAbsent(attemptId, a -> new java.util.concurrent.CountDownLatch(2));
                    both.countDown();
                    try {
                        both.await(5, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                };
                for (String orderId : java.util.stream.Stream.concat(payable.stream(), cancelled.stream()).toList()) {
                    outliveTheInFlightWindow(fx, orderId);
                }

                // checkouts whose process died after their Reserve; Releases are held until both replicas sent one
                String productId = fx.product("Kopi", 10_000);
                int before = fx.peers.available.get(productId);
                List<String> abandoned = java.util.stream.IntStream.range(0, 10).mapToObj(i -> newId()).toList();
                for (String orderId : abandoned) {
                    fx.peers.reserve(dev.kedai.proto.stock.v1.ReserveRequest.newBuilder().setOrderId(orderId).setTtlSeconds(900)
                                             .addLines(dev.kedai.proto.stock.v1.Line.newBuilder().setProductId(productId).setQuantity(1))
                                             .build());
                }
                var held = new java.util.concurrent.CountDownLatch(1);
                int releasesBefore = fx.peers.releases.size();
                fx.peers.releaseStall = held;
                try {
                    fx.query("INSERT INTO checkout_reservations (order_id, user_id, idem_key, state, started_at) VALUES "
                             + String.join(", ", java.util.Collections.nCopies(abandoned.size(),
                                     "(?, ?, ?, 'RESERVING', CURRENT_TIMESTAMP(3) - INTERVAL 1 MINUTE)")),
                             abandoned.stream().flatMap(o -> java.util.stream.Stream.of(o, user, newId())).toArray());
                    await().atMost(SETTLES).until(() -> fx.peers.releases.size() >= releasesBefore + 2);
                } finally {
                    fx.peers.releaseStall = null;
                    held.countDown();
                }

                await().atMost(SETTLES).until(() -> payable.stream().allMatch(o -> status(fx, user, o).equals("PAID"))
                        && cancelled.stream().allMatch(o -> "REFUNDED".equals(attempt(fx, o))));
                await().atMost(SETTLES).until(() -> fx.count("SELECT COUNT(*) FROM checkout_reservations") == 0);
                for (String orderId : payable) {
                    assertThat(List.of(fx.gateway.charges(orderId), fx.gateway.refunds(orderId))).as("paid " + orderId)
                            .containsExactly(1L, 0L);
                    assertThat(attempt(fx, orderId)).isEqualTo("APPROVED");
                    assertThat(fx.count("SELECT COUNT(*) FROM outbox WHERE event_key = ? AND event_type = ?", orderId,
                                        "kedai.cartorder.v1.OrderPaid")).isEqualTo(1);
                }
                for (String orderId : cancelled) {
                    assertThat(List.of(fx.gateway.charges(orderId), fx.gateway.refunds(orderId))).as("cancelled " + orderId)
                            .containsExactly(1L, 1L);
                    assertThat(status(fx, user, orderId)).isEqualTo("CANCELLED");
                }
                assertThat(lookups.values()).as("each charge was looked up by both replicas")
                        .allMatch(both -> both.getCount() == 0).hasSize(4);
                assertThat(abandoned).noneMatch(fx.peers::holds);
                assertThat(fx.peers.available.get(productId)).as("units back once").isEqualTo(before);
                assertThat(fx.peers.releases.stream().filter(abandoned::contains).toList())
                        .as("one Release per abandoned checkout").hasSize(abandoned.size()).doesNotHaveDuplicates();
            } finally {
                fx.hooks.clear();
                replica.stop();
            }
        }
    }

    /**
     * A checkout still running when the reconciler takes it for abandoned (slower than
     * checkout.abandoned-after between its Reserve and storing the order): the reservation is given
     * back and the checkout, fenced, stores nothing — never an order without stock — and answers
     * 409; the client's retry with its key orders afresh. (CartorderKilledTest: the process died.)
     */
    @Test
    void aCheckoutSlowerThanItsAbandonedAfterStoresNoOrderAndItsStockIsReleased() throws Exception {
        try (CartOrderFixture slow = new CartOrderFixture(Map.of("payment.reconcile-interval", "PT0.2S",
                                                                 "checkout.abandoned-after", "PT2S"))) {
            String user = newId();
            slow.add(user, slow.product("Kopi", 10_000), 1);
            java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);
            String[] reserved = new String[1];
            slow.afterReserve = orderId -> {
                reserved[0] = orderId;
                slow.afterReserve = o -> { };
                await().atMost(SETTLES).until(() -> !slow.peers.holds(orderId));
                released.countDown();
            };
            String key = newId();
            HttpResponse<String> fenced = slow.checkout(user, key, "{}");

            assertThat(released.getCount()).as("the reconciler released the reservation under the running checkout").isZero();
            assertProblem(fenced, 409);
            assertThat(slow.count("SELECT COUNT(*) FROM orders WHERE order_id = ?", reserved[0])).isZero();
            await().atMost(SETTLES).until(() -> slow.count("SELECT COUNT(*) FROM checkout_reservations") == 0);
            HttpResponse<String> retry = slow.checkout(user, key, "{}");
            assertThat(retry.statusCode()).as(retry.body()).isEqualTo(201);
            assertThat(slow.peers.holds(json(retry).get("order_id").asText())).isTrue();
        }
    }

    /**
     * Fault suite under load: cartorder's breaker to stock is open most of the time (customers'
     * Reserves time out), and the reconciler's Releases through it were refused round after round,
     * so units of dead checkouts stayed held. The reconciler releases past the breaker.
     */
    @Test
    void anAbandonedCheckoutIsReleasedWhileTheBreakerToStockIsOpen() {
        try (CartOrderFixture fx = new CartOrderFixture(Map.of("payment.reconcile-interval", "PT0.2S",
                                                               "checkout.abandoned-after", "PT1S",
                                                               "peers.breaker.delay", "PT1H"))) {
            String user = newId();
            String productId = fx.product("Kopi", 10_000);
            fx.add(user, productId, 1);
            fx.peers.stop("stock");
            for (int i = 0; i < 6; i++) {
                assertProblem(fx.checkout(user, newId(), "{}"), 503);
            }
            fx.peers.start("stock");
            assertThat(fx.checkout(user, newId(), "{}").statusCode()).as("the breaker stays open with stock back").isEqualTo(503);
            // what a checkout whose process died after its Reserve leaves behind
            String orderId = newId();
            fx.peers.reserve(dev.kedai.proto.stock.v1.ReserveRequest.newBuilder().setOrderId(orderId).setTtlSeconds(900)
                                     .addLines(dev.kedai.proto.stock.v1.Line.newBuilder().setProductId(productId).setQuantity(1))
                                     .build());
            fx.query("INSERT INTO checkout_reservations (order_id, user_id, idem_key, state, started_at)"
                     + " VALUES (?, ?, ?, 'RESERVING', CURRENT_TIMESTAMP(3) - INTERVAL 1 MINUTE)", orderId, user, newId());

            await().atMost(SETTLES).until(() -> !fx.peers.holds(orderId));
            await().atMost(SETTLES).until(() -> fx.count("SELECT COUNT(*) FROM checkout_reservations WHERE order_id = ?", orderId) == 0);
        }
    }

    /**
     * Fault suite (kill-stock, then kill-auth's check): the reconciler's Release of an abandoned
     * checkout met stock mid-restart, and the row waited a whole {@code checkout.abandoned-after}
     * before the next try — units held for nobody past the suite's 60 s. A failed Release is tried
     * again after a short backoff: here abandoned-after is an hour, and the units come back within
     * seconds of stock's return.
     */
    @Test
    void aReleaseOfAnAbandonedCheckoutThatFindsStockDownIsTriedAgainSoon() {
        try (CartOrderFixture fx = new CartOrderFixture(Map.of("payment.reconcile-interval", "PT0.2S",
                                                               "checkout.abandoned-after", "PT1H"))) {
            String user = newId();
            String productId = fx.product("Kopi", 10_000);
            // what a checkout whose process died after its Reserve leaves behind, found while stock is down
            String orderId = newId();
            fx.peers.reserve(dev.kedai.proto.stock.v1.ReserveRequest.newBuilder().setOrderId(orderId).setTtlSeconds(900)
                                     .addLines(dev.kedai.proto.stock.v1.Line.newBuilder().setProductId(productId).setQuantity(1))
                                     .build());
            fx.peers.stop("stock");
            try {
                fx.query("INSERT INTO checkout_reservations (order_id, user_id, idem_key, state, started_at)"
                         + " VALUES (?, ?, ?, 'RESERVING', CURRENT_TIMESTAMP(3) - INTERVAL 2 HOUR)", orderId, user, newId());
                // fenced, its Release failed and it was put back to wait (its clock no longer two hours old)
                await().atMost(SETTLES).until(() -> fx.count("SELECT COUNT(*) FROM checkout_reservations WHERE order_id = ?"
                        + " AND state = 'RELEASING' AND started_at > CURRENT_TIMESTAMP(3) - INTERVAL 1 HOUR", orderId) == 1);
                assertThat(fx.peers.holds(orderId)).isTrue();
            } finally {
                fx.peers.start("stock");
            }

            await().atMost(SETTLES).until(() -> !fx.peers.holds(orderId));
            await().atMost(SETTLES).until(() -> fx.count("SELECT COUNT(*) FROM checkout_reservations WHERE order_id = ?", orderId) == 0);
        }
    }

    /**
     * Fault suite (kill-stock): three approved charges stayed PENDING, their orders unpaid, for more
     * than 60 s. The reconciler settled the money and released abandoned checkouts in one round, one
     * Release after another, and while stock restarted each Release waited for its deadline: the
     * round lasted minutes and the stale attempts waited for the next. Here a hundred abandoned
     * checkouts meet a stock that answers no Release in time; the charge is settled all the same.
     * Fails with the single loop (the round takes a hundred deadlines, 100 s).
     */
    @Test
    void aChargeWhoseProcessDiedIsSettledWhileStockAnswersNoReleaseInTime() {
        try (CartOrderFixture fx = new CartOrderFixture(Map.of("payment.reconcile-interval", "PT0.2S",
                                                               "checkout.abandoned-after", "PT1S"))) {
            String user = newId();
            String orderId = fx.placeOrder(user, 10_000);
            payDiesAfterTheProviderCharged(fx, user, orderId);
            fx.peers.releaseStall = new java.util.concurrent.CountDownLatch(1);
            try {
                // checkouts whose process died after their Reserve, a whole batch of them, all in one round
                Object[] ids = new Object[3 * OrderReconciler.BATCH];
                java.util.Arrays.setAll(ids, i -> newId());
                fx.query("INSERT INTO checkout_reservations (order_id, user_id, idem_key, state, started_at) VALUES "
                         + String.join(", ", java.util.Collections.nCopies(OrderReconciler.BATCH,
                                 "(?, ?, ?, 'RESERVING', CURRENT_TIMESTAMP(3) - INTERVAL 1 MINUTE)")), ids);
                // the reconciler is busy releasing them when the charge's in-flight window ends
                await().atMost(SETTLES).until(() -> !fx.peers.releases.isEmpty());
                outliveTheInFlightWindow(fx, orderId);

                await().atMost(SETTLES).until(() -> status(fx, user, orderId).equals("PAID"));
                assertThat(attempt(fx, orderId)).isEqualTo("APPROVED");
                assertThat(fx.gateway.refunds(orderId)).isZero();
            } finally {
                fx.peers.releaseStall.countDown();
                fx.peers.releaseStall = null;
            }
        }
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

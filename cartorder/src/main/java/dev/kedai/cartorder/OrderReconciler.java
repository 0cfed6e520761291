package dev.kedai.cartorder;

import java.lang.System.Logger.Level;
import java.time.Duration;

import dev.kedai.platform.health.SupervisedLoop;

/**
 * Settles payments and orders no user call may ever come back for, every
 * {@code payment.reconcile-interval}:
 * <ul>
 * <li>a PENDING attempt older than the in-flight window (its process died between the charge and
 *     recording the outcome) is settled from the provider's record: an approved charge pays the
 *     order, or is refunded when the order can no longer be paid;</li>
 * <li>a REFUNDING attempt (its process died between deciding the refund and the provider
 *     confirming it, or the provider failed) is refunded again until the provider confirms;</li>
 * <li>an approved charge kept on a cancelled order is refunded;</li>
 * <li>an unpaid order past its {@code expires_at} with no payment in flight is cancelled (EXPIRED)
 *     and its reservation released;</li>
 * <li>a checkout that reserved stock and never stored its order (its process died in between) has
 *     its reservation released once it is {@code checkout.abandoned-after} old
 *     ({@link Checkout#releaseAbandoned}).</li>
 * </ul>
 * Every step is a conditional change, so replicas reconciling at once settle each attempt once;
 * the provider refunds an attempt id once however often it is asked. A {@link SupervisedLoop}
 * ({@code order-reconciler}): liveness and {@code kedai_loop_*} report it.
 */
final class OrderReconciler implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(OrderReconciler.class.getName());
    static final int BATCH = 100;

    private final PaymentStore attempts;
    private final Payments payments;
    private final OrderStore orders;
    private final OrderLifecycle lifecycle;
    private final Checkout checkout;
    private final Duration interval;
    private final SupervisedLoop loop;

    OrderReconciler(PaymentStore attempts, Payments payments, OrderStore orders, OrderLifecycle lifecycle, Checkout checkout,
                    Duration interval) {
        this.checkout = checkout;
        this.attempts = attempts;
        this.payments = payments;
        this.orders = orders;
        this.lifecycle = lifecycle;
        this.interval = interval;
        this.loop = SupervisedLoop.builder("order-reconciler", this::reconcile).build();
    }

    OrderReconciler start() {
        loop.start();
        return this;
    }

    @Override
    public void close() {
        loop.close();
    }

    /** One batch of each kind, then an interval's pause; a step that fails is logged and the others still run. */
    private Duration reconcile() {
        for (PaymentStore.Attempt a : attempts.stale(BATCH)) {
            guarded("settling " + a, () -> payments.settleFromProvider(a.orderId(), a.attemptId()));
        }
        for (PaymentStore.Attempt a : attempts.keptOnCancelledOrders(BATCH)) {
            guarded("refunding " + a, () -> {
                if (attempts.move(a.attemptId(), PaymentStore.APPROVED, PaymentStore.REFUNDING)) {
                    payments.refund(a.attemptId());
                }
            });
        }
        for (PaymentStore.Attempt a : attempts.refundsDue(BATCH)) {
            guarded("refunding " + a, () -> payments.refund(a.attemptId()));
        }
        // after the stale attempts were settled: an order with a payment still in flight is left for later
        for (String orderId : orders.expiredUnpaid(BATCH)) {
            guarded("expiring order " + orderId, () -> lifecycle.expire(orderId));
        }
        guarded("releasing the reservations of abandoned checkouts", () -> checkout.releaseAbandoned(BATCH));
        // one batch per round: a provider that keeps failing must not turn this into a busy loop
        return interval;
    }

    private static void guarded(String what, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, what + " failed; tried again next round", e);
        }
    }
}

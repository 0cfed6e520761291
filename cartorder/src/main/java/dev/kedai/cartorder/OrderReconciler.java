package dev.kedai.cartorder;

import java.lang.System.Logger.Level;
import java.time.Duration;

import dev.kedai.platform.health.SupervisedLoop;

/**
 * Settles payments and orders no user call may ever come back for, in two loops: the money every
 * {@code payment.reconcile-interval},
 * <ul>
 * <li>a PENDING attempt older than the in-flight window (its process died between the charge and
 *     recording the outcome) is settled from the provider's record: an approved charge pays the
 *     order, or is refunded when the order can no longer be paid;</li>
 * <li>a REFUNDING attempt (its process died between deciding the refund and the provider
 *     confirming it, or the provider failed) is refunded again until the provider confirms;</li>
 * <li>an approved charge kept on a cancelled order is refunded;</li>
 * </ul>
 * and what stock holds every {@code checkout.release-interval}:
 * <ul>
 * <li>an unpaid order past its {@code expires_at} with no payment in flight is cancelled (EXPIRED)
 *     and its reservation released;</li>
 * <li>a checkout that reserved stock and never stored its order (its process died in between) has
 *     its reservation released once it is {@code checkout.abandoned-after} old
 *     ({@link Checkout#releaseAbandoned}).</li>
 * </ul>
 * The stock steps call stock once per order, each up to a deadline; in one loop with the money they
 * made a round last minutes while stock restarted (fault suite, kill-stock: approved charges left
 * PENDING past 60 s behind a hundred slow Releases). Every step is a conditional change, so
 * replicas reconciling at once settle each attempt once; the provider refunds an attempt id once
 * however often it is asked. Two {@link SupervisedLoop}s ({@code order-reconciler},
 * {@code checkout-releaser}): liveness and {@code kedai_loop_*} report them.
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
    private final Duration releaseInterval;
    private final SupervisedLoop money;
    private final SupervisedLoop stock;

    /**
     * @param interval        between the money's rounds ({@code payment.reconcile-interval})
     * @param releaseInterval between the stock steps' rounds ({@code checkout.release-interval}): a
     *                        Release that failed is due again after a backoff of about a second
     *                        ({@link CheckoutReservations#retryLater}), which a longer pause would stretch
     */
    OrderReconciler(PaymentStore attempts, Payments payments, OrderStore orders, OrderLifecycle lifecycle, Checkout checkout,
                    Duration interval, Duration releaseInterval) {
        this.checkout = checkout;
        this.attempts = attempts;
        this.payments = payments;
        this.orders = orders;
        this.lifecycle = lifecycle;
        this.interval = interval;
        this.releaseInterval = releaseInterval;
        this.money = SupervisedLoop.builder("order-reconciler", this::reconcile).build();
        this.stock = SupervisedLoop.builder("checkout-releaser", this::release).build();
    }

    OrderReconciler start() {
        money.start();
        stock.start();
        return this;
    }

    @Override
    public void close() {
        try (money; stock) {
            // both stop
        }
    }

    /** One batch of each kind of payment, then an interval's pause; a step that fails is logged and the others still run. */
    private Duration reconcile() {
        long started = System.nanoTime();
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
        logIfSlow("order-reconciler", started, interval);
        // one batch per round: a provider that keeps failing must not turn this into a busy loop
        return interval;
    }

    /** One batch of expired orders and of abandoned checkouts, each released at stock; then a pause. */
    private Duration release() {
        long started = System.nanoTime();
        // an order with a payment still in flight is left for later (expire checks)
        for (String orderId : orders.expiredUnpaid(BATCH)) {
            guarded("expiring order " + orderId, () -> lifecycle.expire(orderId));
        }
        guarded("releasing the reservations of abandoned checkouts", () -> checkout.releaseAbandoned(BATCH));
        logIfSlow("checkout-releaser", started, interval);
        return releaseInterval;
    }

    // a round longer than the money's interval delays what it does next: worth a line in the log
    private static void logIfSlow(String loop, long startedNanos, Duration interval) {
        long took = System.nanoTime() - startedNanos;
        if (took > interval.toNanos()) {
            LOG.log(Level.INFO, String.format(java.util.Locale.ROOT, "a round of %s took %.1f s", loop, took / 1e9));
        }
    }

    private static void guarded(String what, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, what + " failed; tried again next round", e);
        }
    }
}

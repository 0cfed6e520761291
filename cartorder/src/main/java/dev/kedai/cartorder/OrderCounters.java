package dev.kedai.cartorder;

import dev.kedai.platform.observe.OutcomeCounter;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Metrics;

/**
 * The business counters of orders, counted after the transaction that made the change
 * committed: {@code kedai_orders_placed_total}, {@code kedai_orders_paid_total} and
 * {@code kedai_orders_cancelled_total{reason}} ({@code user}; {@code expired} when the order or its
 * reservation ran out; {@code out_of_stock} when a paid order's units were lost and it was refunded;
 * the ones from events are counted inside the event consumer's transaction, so a record retried
 * after a failed commit may count twice).
 */
final class OrderCounters {

    private static final Counter PLACED = Metrics.globalRegistry().getOrCreate(
            Counter.builder("kedai.orders.placed").description("Orders placed (stock reserved, order stored)"));
    private static final Counter PAID = Metrics.globalRegistry().getOrCreate(
            Counter.builder("kedai.orders.paid").description("Orders paid"));
    private static final OutcomeCounter CANCELLED = OutcomeCounter.create("kedai.orders.cancelled",
            "Orders cancelled, by reason", "reason", "user", "expired", "out_of_stock");

    private OrderCounters() {
    }

    /** Registers every series at start, so dashboards show zero rather than no data. */
    static void register() {
        // loading this class registers them (the static fields)
    }

    static void placed() {
        PLACED.increment();
    }

    static void paid() {
        PAID.increment();
    }

    static void cancelled(String reason) {
        CANCELLED.increment(reason);
    }
}

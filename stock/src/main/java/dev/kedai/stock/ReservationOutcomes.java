package dev.kedai.stock;

import dev.kedai.platform.observe.OutcomeCounter;

/**
 * The business counter {@code kedai_stock_reservations_total{outcome}}: reservations made
 * ({@code reserved}), refused for a shortage ({@code rejected_short}), and their ends
 * ({@code released}, {@code committed}, {@code expired}, and {@code lost}: a paid order whose reservation
 * had ended and could not be held again). Counted after the change committed,
 * except in the event consumer, where the count is taken inside its transaction (a record
 * retried after a failed commit may count twice; rare, and a dashboard rate absorbs it).
 */
final class ReservationOutcomes {

    static final String RESERVED = "reserved";
    static final String REJECTED_SHORT = "rejected_short";
    static final String RELEASED = "released";
    static final String COMMITTED = "committed";
    static final String EXPIRED = "expired";
    static final String LOST = "lost";

    private static final OutcomeCounter COUNTER = OutcomeCounter.create("kedai.stock.reservations",
            "Stock reservations by outcome", "outcome", RESERVED, REJECTED_SHORT, RELEASED, COMMITTED, EXPIRED, LOST);

    private ReservationOutcomes() {
    }

    /** Counts {@code n} events of this outcome. */
    static void count(String outcome, long n) {
        for (long i = 0; i < n; i++) {
            COUNTER.increment(outcome);
        }
    }

    /** Counts one when {@code changed} (the store answered that this call did it), then returns it. */
    static boolean countIf(boolean changed, String outcome) {
        if (changed) {
            COUNTER.increment(outcome);
        }
        return changed;
    }

    /** Registers every series at start, so dashboards show zero rather than no data. */
    static void register() {
        count(RESERVED, 0);
    }
}

package dev.kedai.stock;

import java.lang.System.Logger.Level;
import java.time.Duration;

import dev.kedai.platform.health.SupervisedLoop;

/**
 * Releases reservations whose order was not paid in time (publishing ReservationExpired, on
 * which cartorder cancels the order). Runs every {@code stock.reservation.sweep-interval}; each
 * replica may run one, they take different rows ({@code SKIP LOCKED}). A {@link SupervisedLoop}
 * ({@code reservation-sweeper}): a failed sweep is tried again after a pause, and liveness and
 * {@code kedai_loop_*} report it.
 */
final class ReservationSweeper implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ReservationSweeper.class.getName());
    private static final int BATCH = 100;

    private final Warehouse warehouse;
    private final Duration interval;
    private final SupervisedLoop loop;

    ReservationSweeper(Warehouse warehouse, Duration interval) {
        this.warehouse = warehouse;
        this.interval = interval;
        this.loop = SupervisedLoop.builder("reservation-sweeper", this::sweep).build();
    }

    ReservationSweeper start() {
        loop.start();
        return this;
    }

    /** Releases due reservations batch by batch, then waits an interval. */
    private Duration sweep() {
        int n;
        do {
            n = warehouse.expireDue(BATCH);
            if (n > 0) {
                int expired = n;
                LOG.log(Level.INFO, () -> "released " + expired + " expired reservation(s)");
            }
        } while (n == BATCH && loop.running());
        return interval;
    }

    @Override
    public void close() {
        loop.close();
    }
}

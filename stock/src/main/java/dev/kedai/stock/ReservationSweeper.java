package dev.kedai.stock;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Releases reservations whose order was not paid in time (publishing ReservationExpired, on
 * which cartorder cancels the order). Runs every {@code stock.reservation.sweep-interval}; each
 * replica may run one, they take different rows ({@code SKIP LOCKED}).
 */
final class ReservationSweeper implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ReservationSweeper.class.getName());
    private static final int BATCH = 100;

    private final Warehouse warehouse;
    private final Duration interval;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;

    ReservationSweeper(Warehouse warehouse, Duration interval) {
        this.warehouse = warehouse;
        this.interval = interval;
        this.thread = Thread.ofPlatform().name("reservation-sweeper").daemon().unstarted(this::loop);
    }

    ReservationSweeper start() {
        thread.start();
        return this;
    }

    private void loop() {
        try {
            while (!stop.await(interval.toMillis(), TimeUnit.MILLISECONDS)) {
                try {
                    int n;
                    do {
                        n = warehouse.expireDue(BATCH);
                        if (n > 0) {
                            int expired = n;
                            LOG.log(Level.INFO, () -> "released " + expired + " expired reservation(s)");
                        }
                    } while (n == BATCH && stop.getCount() > 0);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "reservation sweep failed, will retry", e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop.countDown();
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

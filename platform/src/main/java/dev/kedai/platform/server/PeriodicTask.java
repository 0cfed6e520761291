package dev.kedai.platform.server;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Work run every {@code interval} on a daemon thread of its own until closed: the services'
 * sweepers, reconciliations and retention purges. A round runs the batch again at once while it
 * answers that more is due (a backlog drains without waiting an interval per batch). A round
 * that throws is logged and the next one runs at its time, so the loop never dies of a failure;
 * {@link #lastSuccess()} says when a round last completed (for liveness and dashboards).
 *
 * <pre>{@code
 * PeriodicTask sweeper = PeriodicTask.start("reservation-sweeper", Duration.ofSeconds(5),
 *                                           () -> warehouse.expireDue(100) == 100);
 * ...
 * sweeper.close();
 * }</pre>
 */
public final class PeriodicTask implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PeriodicTask.class.getName());

    private final String name;
    private final Duration interval;
    private final BooleanSupplier batch;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;
    private volatile Instant lastSuccess;

    private PeriodicTask(String name, Duration interval, BooleanSupplier batch) {
        this.name = name;
        this.interval = interval;
        this.batch = batch;
        this.thread = Thread.ofPlatform().name(name).daemon().unstarted(this::loop);
    }

    /**
     * Starts running {@code batch} every {@code interval}, the first time one interval from now.
     *
     * @param batch one batch of work; true when more is due at once (it runs again before the pause)
     */
    public static PeriodicTask start(String name, Duration interval, BooleanSupplier batch) {
        PeriodicTask task = new PeriodicTask(name, interval, batch);
        task.thread.start();
        return task;
    }

    /** When a round last completed without throwing; null before the first. */
    public Instant lastSuccess() {
        return lastSuccess;
    }

    private void loop() {
        try {
            while (!stop.await(interval.toMillis(), TimeUnit.MILLISECONDS)) {
                try {
                    while (batch.getAsBoolean() && stop.getCount() > 0) {
                        // more is due: the next batch at once
                    }
                    lastSuccess = Instant.now();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, name + " failed, runs again in " + interval, e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the loop, waiting up to 10 s for a round in progress. */
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

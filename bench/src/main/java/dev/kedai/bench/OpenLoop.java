package dev.kedai.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Arrivals at a constant rate, whatever the system under load does (open loop): slot {@code i}
 * is due at {@code origin + i / rate} (a rate changed meanwhile spaces the slots after it); one thread walks the schedule and hands each due slot's
 * work to the executor (virtual threads), or starts it itself when the work is asynchronous. At
 * most {@code maxInFlight} slots run at once; a slot that finds them all busy is dropped, never
 * delayed, because waiting would quietly lower the offered rate (closed loop again). Used by {@link OpenLoopGenerator} (one asynchronous request
 * per slot, walked on its client's event loop), {@link CheckoutJourney} and the fault-injection suite (one purchase per slot).
 */
public final class OpenLoop {

    /** Called on the scheduling thread for each due slot that got a place; keep it cheap. */
    @FunctionalInterface
    public interface Arrival {
        /**
         * @param slot the slot's index
         * @param due  its due time ({@link System#nanoTime()} scale): latency counts from here
         * @return the work of the slot, run on the executor
         */
        Runnable work(long slot, long due);
    }

    /** Told about each slot dropped because {@code maxInFlight} were running. */
    @FunctionalInterface
    public interface Dropped {
        void slot(long slot);
    }

    private volatile double rate;
    private final int maxInFlight;
    private final Semaphore inFlight;

    public OpenLoop(double ratePerSecond, int maxInFlight) {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("rate must be positive: " + ratePerSecond);
        }
        this.rate = ratePerSecond;
        this.maxInFlight = maxInFlight;
        this.inFlight = new Semaphore(maxInFlight);
    }

    /** Slots per second from now on. */
    public double rate() {
        return rate;
    }

    /**
     * Changes the rate while {@link #run} walks: the next slot is due {@code 1 / ratePerSecond}
     * after the one before it ({@link #runOn} keeps the rate it started with).
     */
    public void rate(double ratePerSecond) {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("rate must be positive: " + ratePerSecond);
        }
        this.rate = ratePerSecond;
    }

    /** Called on the scheduling thread for each due slot that got a place; must not block. */
    @FunctionalInterface
    public interface AsyncArrival {
        /**
         * Starts the slot's work without waiting for it.
         *
         * @param slot the slot's index
         * @param due  its due time ({@link System#nanoTime()} scale): latency counts from here
         * @param done to be called once when the work has finished, however it ended: frees the place
         */
        void start(long slot, long due, Runnable done);
    }

    /**
     * Walks {@code slots} slots from now, or fewer if {@code stop} says so (checked at each slot),
     * each slot's work on {@code executor}.
     *
     * @return the origin: the due time of slot 0
     */
    public long run(long slots, ExecutorService executor, Arrival arrival, Dropped dropped, BooleanSupplier stop) {
        return walk(slots, (slot, due, done) -> {
            Runnable work;
            try {
                work = arrival.work(slot, due);
            } catch (RuntimeException e) {
                done.run();
                throw e;
            }
            executor.execute(() -> {
                try {
                    work.run();
                } finally {
                    done.run();
                }
            });
        }, dropped, stop);
    }

    // each slot started by arrival itself, which calls back when it has finished
    private long walk(long slots, AsyncArrival arrival, Dropped dropped, BooleanSupplier stop) {
        long origin = System.nanoTime();
        double after = 0;   // the next slot's due time after the origin, spaced by the rate of the moment
        for (long slot = 0; slot < slots && !stop.getAsBoolean(); slot++) {
            long due = origin + (long) after;
            waitUntil(due);
            startOrDrop(slot, due, arrival, dropped);
            after += 1e9 / rate;
        }
        return origin;
    }

    /**
     * Walks the schedule like {@link #run}, but on {@code loop} itself, the event loop of the
     * asynchronous client {@code arrival} sends on: each time it runs it starts every slot due by then
     * and schedules itself for the next one, so no request is handed from one thread to another. The
     * loop's timer may wake late (an NIO selector counts in milliseconds); the slots due meanwhile go
     * out together, and their latency still counts from their due times.
     *
     * @return completes with the origin (the due time of slot 0) once every slot has been started or dropped
     */
    public CompletableFuture<Long> runOn(ScheduledExecutorService loop, long slots, AsyncArrival arrival,
                                         Dropped dropped) {
        double nanosPerSlot = 1e9 / rate;
        long origin = System.nanoTime();
        CompletableFuture<Long> walked = new CompletableFuture<>();
        loop.execute(new Runnable() {
            private long slot;

            @Override
            public void run() {
                try {
                    long now = System.nanoTime();
                    for (; slot < slots; slot++) {
                        long due = origin + (long) (slot * nanosPerSlot);
                        if (due > now && due > (now = System.nanoTime())) {
                            loop.schedule(this, due - now, TimeUnit.NANOSECONDS);
                            return;
                        }
                        startOrDrop(slot, due, arrival, dropped);
                    }
                    walked.complete(origin);
                } catch (RuntimeException | Error e) {
                    walked.completeExceptionally(e);
                }
            }
        });
        return walked;
    }

    private void startOrDrop(long slot, long due, AsyncArrival arrival, Dropped dropped) {
        if (inFlight.tryAcquire()) {
            arrival.start(slot, due, releaseOnce());
        } else {
            dropped.slot(slot);
        }
    }

    /** Gives the slot's place back the first time it runs (a client may report an end twice). */
    private Runnable releaseOnce() {
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                inFlight.release();
            }
        };
    }

    /** Waits until no slot runs, at most {@code patience}; returns how many still run then. */
    public long awaitIdle(Duration patience) throws InterruptedException {
        if (inFlight.tryAcquire(maxInFlight, patience.toNanos(), TimeUnit.NANOSECONDS)) {
            inFlight.release(maxInFlight);
            return 0;
        }
        return maxInFlight - inFlight.availablePermits();
    }

    /** Slots running now. */
    public int inFlight() {
        return maxInFlight - inFlight.availablePermits();
    }

    // parkNanos overshoots by tens of microseconds; at high rates several slots then become due
    // together and go out back to back, which is fine because latency counts from the due time.
    private static void waitUntil(long due) {
        long now;
        while ((now = System.nanoTime()) < due) {
            LockSupport.parkNanos(due - now);
        }
    }
}

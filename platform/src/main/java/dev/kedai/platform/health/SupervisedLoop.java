package dev.kedai.platform.health;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;

/**
 * A background loop that cannot die: the outbox relay, the event consumers, the purges, the
 * reservation sweeper. It runs one iteration after another on a platform thread of its own; an
 * iteration that throws is logged (once per burst: the first failure with its stack, the
 * recovery with how many failed and for how long), counted, and followed after a pause that
 * doubles from {@code failureBackoff} up to {@code maxFailureBackoff} (jittered) — then the loop
 * goes on. Only a {@link VirtualMachineError} other than a stack overflow ends it (out of memory:
 * the JVM is in no state to go on; liveness then fails and Kubernetes restarts the pod).
 *
 * <p>What it reports, per loop (label {@code loop}):
 * <ul>
 * <li>{@code kedai_loop_last_success_timestamp_seconds}: when an iteration last finished without
 *     an error (Unix seconds; alert when it is old: the loop is failing, e.g. its dependency is down);</li>
 * <li>{@code kedai_loop_failures_total}: iterations that threw;</li>
 * <li>liveness ({@link LoopLiveness}): DOWN when an iteration has been running for longer than
 *     {@code stuckAfter} or the thread is gone. A loop whose iterations keep failing fast is not
 *     stuck — a restart would not bring its database or broker back — so it stays live and only
 *     the metric and the health details show it.</li>
 * </ul>
 *
 * <pre>{@code
 * SupervisedLoop loop = SupervisedLoop.builder("outbox-relay-stock", relay::publishBatch)
 *         .stuckAfter(Duration.ofMinutes(2))
 *         .build()
 *         .start();
 * loop.wake();    // run the next iteration now instead of after its pause
 * loop.close();   // the current iteration finishes, then onStop runs on the loop's thread
 * }</pre>
 */
public final class SupervisedLoop implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(SupervisedLoop.class.getName());

    /** Prometheus {@code kedai_loop_last_success_timestamp_seconds}. */
    public static final String LAST_SUCCESS = "kedai.loop.last.success.timestamp.seconds";
    /** Prometheus {@code kedai_loop_failures_total}. */
    public static final String FAILURES = "kedai.loop.failures";

    /** One iteration; returns how long to wait before the next one ({@link Duration#ZERO}: at once). */
    @FunctionalInterface
    public interface Iteration {
        Duration run() throws Exception;
    }

    private final String name;
    private final Iteration iteration;
    private final Runnable onStop;
    private final Duration failureBackoff;
    private final Duration maxFailureBackoff;
    private final Duration stuckAfter;
    private final Counter failures;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition signal = lock.newCondition();
    private boolean woken;
    private volatile boolean running;
    private volatile Thread thread;
    // System.nanoTime() of the running iteration's start, or 0 between iterations
    private volatile long iterationStartedNanos;
    private volatile long lastSuccessEpochMillis;
    private volatile long lastSuccessNanos;
    private volatile int consecutiveFailures;
    private volatile String lastError;
    private long burstStartedNanos;

    private SupervisedLoop(Builder b) {
        this.name = b.name;
        this.iteration = b.iteration;
        this.onStop = b.onStop;
        this.failureBackoff = b.failureBackoff;
        this.maxFailureBackoff = b.maxFailureBackoff;
        this.stuckAfter = b.stuckAfter;
        List<Tag> tags = List.of(Tag.create("loop", name));
        this.failures = Metrics.globalRegistry().getOrCreate(Counter.builder(FAILURES)
                .description("Iterations of a background loop that failed (it goes on after a pause)")
                .tags(tags));
        Metrics.globalRegistry().getOrCreate(Gauge.builder(LAST_SUCCESS, () -> LoopLiveness.lastSuccessSeconds(name))
                .description("When an iteration of a background loop last finished without an error (Unix seconds; NaN before the first)")
                .tags(tags));
    }

    /**
     * @param name      unique in the process and stable (a metric label), e.g. {@code event-consumer-kedai-stock}
     * @param iteration one round of work
     */
    public static Builder builder(String name, Iteration iteration) {
        return new Builder(name, iteration);
    }

    /** Starts the thread (once) and makes the loop visible to liveness and metrics. */
    public synchronized SupervisedLoop start() {
        if (thread == null) {
            running = true;
            lastSuccessNanos = System.nanoTime();
            LoopLiveness.register(this);
            thread = Thread.ofPlatform().name(name).daemon().start(this::loop);
        }
        return this;
    }

    /** Runs the next iteration now instead of after the current pause. */
    public void wake() {
        lock.lock();
        try {
            woken = true;
            signal.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** True between {@link #start()} and {@link #close()}; iterations check it to end early. */
    public boolean running() {
        return running;
    }

    public String name() {
        return name;
    }

    /**
     * Stops: the running iteration finishes (an iteration blocked in I/O should be woken by the
     * caller, e.g. by closing its client), then {@code onStop} runs on the loop's thread. Waits at
     * most {@code timeout}; returns whether the loop has ended (call again to wait longer).
     */
    public boolean stop(Duration timeout) {
        Thread t;
        synchronized (this) {
            t = thread;
            if (t == null) {
                return true;
            }
            running = false;
        }
        wake();
        try {
            t.join(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            LOG.log(Level.WARNING, name + " did not stop within " + timeout.toSeconds() + " s");
            return false;
        }
        return true;
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(30));
    }

    private void loop() {
        try {
            while (running) {
                Duration pause;
                iterationStartedNanos = System.nanoTime();
                try {
                    pause = iteration.run();
                    succeeded();
                } catch (Throwable e) {
                    if (e instanceof VirtualMachineError fatal && !(e instanceof StackOverflowError)) {
                        throw fatal;
                    }
                    if (!running) {
                        break;   // e.g. the wake-up that ends a blocking call during stop
                    }
                    pause = failed(e);
                } finally {
                    iterationStartedNanos = 0;
                }
                await(pause);
            }
        } catch (VirtualMachineError e) {
            LOG.log(Level.ERROR, name + " ended: " + e, e);
            throw e;
        } finally {
            try {
                onStop.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, name + ": closing failed", e);
            } finally {
                LoopLiveness.deregister(this);
            }
        }
    }

    private void succeeded() {
        lastSuccessEpochMillis = System.currentTimeMillis();
        lastSuccessNanos = System.nanoTime();
        if (consecutiveFailures > 0) {
            LOG.log(Level.INFO, name + " recovered after " + consecutiveFailures + " failed iteration(s) in "
                    + Duration.ofNanos(System.nanoTime() - burstStartedNanos).toSeconds() + " s");
            consecutiveFailures = 0;
            lastError = null;
        }
    }

    private Duration failed(Throwable e) {
        failures.increment();
        int n = ++consecutiveFailures;
        lastError = e.getClass().getName() + ": " + e.getMessage();
        if (n == 1) {
            burstStartedNanos = System.nanoTime();
            LOG.log(Level.WARNING, name + " failed; retrying with backoff (further failures are logged at DEBUG until it recovers)", e);
        } else {
            LOG.log(Level.DEBUG, () -> name + " failed again (" + n + " in a row): " + e);
        }
        return backoff(failureBackoff, maxFailureBackoff, n);
    }

    /**
     * Capped exponential backoff with jitter: {@code initial × 2^(attempt-1)}, at most {@code max},
     * then a random half to whole of it (concurrent retriers do not run in step).
     */
    public static Duration backoff(Duration initial, Duration max, int attempt) {
        long ceiling = Math.min(max.toMillis(), initial.toMillis() * (1L << Math.min(Math.max(attempt - 1, 0), 20)));
        long half = Math.max(ceiling / 2, 1);
        return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(ceiling - half + 1));
    }

    private void await(Duration pause) {
        if (pause == null || pause.isZero() || pause.isNegative()) {
            return;
        }
        long nanos = pause.toNanos();
        lock.lock();
        try {
            while (!woken && running && nanos > 0) {
                nanos = signal.awaitNanos(nanos);
            }
            woken = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        } finally {
            lock.unlock();
        }
    }

    // ---- read by LoopLiveness (health details, gauge)

    /** Running for longer than {@code stuckAfter}, or its thread gone while it should run. */
    boolean stuck() {
        Thread t = thread;
        if (t == null) {
            return false;
        }
        if (!t.isAlive()) {
            return running;
        }
        long started = iterationStartedNanos;
        return started != 0 && System.nanoTime() - started > stuckAfter.toNanos();
    }

    double lastSuccessSeconds() {
        long millis = lastSuccessEpochMillis;
        return millis == 0 ? Double.NaN : millis / 1000.0;
    }

    Duration sinceLastSuccess() {
        return Duration.ofNanos(System.nanoTime() - lastSuccessNanos);
    }

    int consecutiveFailures() {
        return consecutiveFailures;
    }

    String lastError() {
        return lastError;
    }

    /** Names the loop and says what it runs; see {@link SupervisedLoop}. */
    public static final class Builder {
        private final String name;
        private final Iteration iteration;
        private Runnable onStop = () -> { };
        private Duration failureBackoff = Duration.ofMillis(200);
        private Duration maxFailureBackoff = Duration.ofSeconds(30);
        private Duration stuckAfter = Duration.ofMinutes(2);

        private Builder(String name, Iteration iteration) {
            this.name = Objects.requireNonNull(name, "name");
            this.iteration = Objects.requireNonNull(iteration, "iteration");
        }

        /** Runs on the loop's thread after its last iteration (e.g. closes a client only that thread may touch). */
        public Builder onStop(Runnable onStop) {
            this.onStop = Objects.requireNonNull(onStop, "onStop");
            return this;
        }

        /** Pause after a failed iteration, doubled for each further failure in a row up to {@code max}. */
        public Builder failureBackoff(Duration initial, Duration max) {
            this.failureBackoff = initial;
            this.maxFailureBackoff = max;
            return this;
        }

        /** An iteration running longer than this means the loop is stuck (liveness DOWN); default 2 minutes. */
        public Builder stuckAfter(Duration stuckAfter) {
            this.stuckAfter = stuckAfter;
            return this;
        }

        public SupervisedLoop build() {
            return new SupervisedLoop(this);
        }
    }
}

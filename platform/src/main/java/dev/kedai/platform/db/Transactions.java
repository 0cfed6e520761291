package dev.kedai.platform.db;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

import dev.kedai.platform.observe.OutcomeCounter;
import dev.kedai.platform.observe.Tracing;
import io.helidon.common.config.Config;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbTransaction;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.opentelemetry.api.common.Attributes;

/**
 * The one way Kedai runs work in a database transaction: committed when the work returns,
 * rolled back when it throws (or when {@code commitIf} refuses its result).
 *
 * <pre>{@code
 * Order order = transactions.inTransaction(tx -> {
 *     OrderStore.insert(tx, userId, order);
 *     events.placed(tx, userId, order);      // the outbox row commits with the change
 *     return order;
 * });
 * }</pre>
 *
 * <p>One retry policy: a transaction that lost a lock conflict ({@link TransientFailures.Kind#isLockConflict()}:
 * deadlock victim, lock wait timeout) was rolled back whole, so it is run again, up to
 * {@code db.transaction.max-attempts} times in all (default 5), after a jittered pause that grows
 * from {@code db.transaction.retry-backoff} (default PT0.01S, doubling, at most 20 times that).
 * Every re-run counts in {@code kedai_db_tx_retries_total{service,reason}}. Any other failure, and
 * the last conflict, reaches the caller. The work must therefore be safe to run again: only its
 * database effects are undone.
 */
public final class Transactions {

    private static final System.Logger LOG = System.getLogger(Transactions.class.getName());

    /** The retry counter's Helidon name ({@code kedai_db_tx_retries_total} in Prometheus). */
    public static final String RETRIES = "kedai.db.tx.retries";
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    public static final Duration DEFAULT_BACKOFF = Duration.ofMillis(10);
    private static final int MAX_BACKOFF_FACTOR = 20;
    private static final Attributes SPAN_ATTRIBUTES = Attributes.builder().put("db.system.name", "mysql").build();

    /** Work done inside one transaction; may throw a checked exception of its own, which reaches the caller. */
    @FunctionalInterface
    public interface Work<T, E extends Exception> {
        T apply(DbTransaction tx) throws E;
    }

    /** Work that runs inside a transaction as its last statements, just before the commit ({@link #beforeCommit}). */
    @FunctionalInterface
    public interface BeforeCommit {
        void run(DbTransaction tx);
    }

    // what to run once the transaction this thread runs in inTransaction commits (null outside one)
    private static final ThreadLocal<List<Runnable>> AFTER_COMMIT = new ThreadLocal<>();
    // what to run in it just before (null outside one)
    private static final ThreadLocal<java.util.Map<Object, BeforeCommit>> BEFORE_COMMIT = new ThreadLocal<>();

    private final DbClient db;
    private final int maxAttempts;
    private final Duration backoff;
    private final OutcomeCounter retries;
    private final Tracing tracing;

    private Transactions(DbClient db, String service, int maxAttempts, Duration backoff, Tracing tracing) {
        this.tracing = tracing;
        this.db = Objects.requireNonNull(db, "db");
        this.maxAttempts = Math.max(1, maxAttempts);
        this.backoff = backoff;
        this.retries = OutcomeCounter.create(Metrics.globalRegistry(), RETRIES,
                "Transactions run again after losing a lock conflict, by reason",
                List.of(Tag.create("service", service)), "reason",
                TransientFailures.Kind.DEADLOCK.label(), TransientFailures.Kind.LOCK_WAIT_TIMEOUT.label());
    }

    /**
     * From the root config: {@code service.name} (the metric's {@code service} label),
     * {@code db.transaction.max-attempts}, {@code db.transaction.retry-backoff}.
     */
    public static Transactions create(DbClient db, Config root) {
        return new Transactions(db,
                root.get("service.name").asString().orElse("unnamed"),
                root.get("db.transaction.max-attempts").asInt().orElse(DEFAULT_MAX_ATTEMPTS),
                root.get("db.transaction.retry-backoff").as(Duration.class).orElse(DEFAULT_BACKOFF),
                Tracing.of(root));
    }

    /** With the default policy; {@code service} labels the retry metric. */
    public static Transactions create(DbClient db, String service) {
        return new Transactions(db, service, DEFAULT_MAX_ATTEMPTS, DEFAULT_BACKOFF, Tracing.OFF);
    }

    /** Runs {@code work} in a transaction and commits it; see the class comment for retries. */
    public <T, E extends Exception> T inTransaction(Work<T, E> work) throws E {
        return inTransaction(work, result -> true);
    }

    /**
     * As {@link #inTransaction(Work)}, but rolls back instead of committing when {@code commitIf}
     * refuses the result (e.g. a reservation that found a shortage undoes the lines it reserved).
     */
    public <T, E extends Exception> T inTransaction(Work<T, E> work, Predicate<? super T> commitIf) throws E {
        // one span for the transaction and its re-runs, only inside a trace (a poll loop starts none)
        return tracing.inSpan("transaction", SPAN_ATTRIBUTES, () -> attempts(work, commitIf));
    }

    private <T, E extends Exception> T attempts(Work<T, E> work, Predicate<? super T> commitIf) throws E {
        for (int attempt = 1; ; attempt++) {
            try {
                return once(work, commitIf);
            } catch (RuntimeException e) {
                var kind = TransientFailures.kind(e).filter(TransientFailures.Kind::isLockConflict);
                if (kind.isEmpty() || attempt >= maxAttempts) {
                    throw e;
                }
                retries.increment(kind.get().label());
                int tried = attempt;
                LOG.log(Level.DEBUG, () -> "transaction lost a lock conflict (" + kind.get().label() + "), attempt "
                        + tried + " of " + maxAttempts);
                pause(attempt, e);
            }
        }
    }

    /**
     * Runs {@code action} once the transaction this thread is running in {@link #inTransaction}
     * commits; dropped if it rolls back. The same action registered twice runs once. E.g. the outbox
     * wakes the relay this way, so an event is published right after its commit, and stock starts a
     * product's new cache generation.
     *
     * @throws IllegalStateException outside {@link #inTransaction}: nobody would run it, and a write
     *         made in a transaction of its own would leave, e.g., every replica's cached value as it was
     */
    public static void afterCommit(Runnable action) {
        List<Runnable> actions = AFTER_COMMIT.get();
        if (actions == null) {
            throw new IllegalStateException("afterCommit outside Transactions.inTransaction");
        }
        if (!actions.contains(action)) {
            actions.add(action);
        }
    }

    /**
     * The action registered under {@code key} in the transaction this thread runs in
     * {@link #inTransaction}, made by {@code create} on the first call of that transaction. Each runs
     * once, in the transaction, in the order registered, after the work returned and just before the
     * commit (not when the work throws or {@code commitIf} refuses). The caller collects into the
     * returned object. It is how a transaction touches its hottest rows last: e.g. stock's event
     * consumer sums a whole batch's sales per product and updates the level rows at the end, so
     * their locks are held for a few statements instead of for the whole batch. A failure rolls
     * the transaction back like one of the work's.
     *
     * @throws IllegalStateException outside {@link #inTransaction} (nobody would run it)
     */
    public static <A extends BeforeCommit> A beforeCommit(Object key, java.util.function.Supplier<A> create) {
        java.util.Map<Object, BeforeCommit> actions = BEFORE_COMMIT.get();
        if (actions == null) {
            throw new IllegalStateException("beforeCommit outside Transactions.inTransaction");
        }
        @SuppressWarnings("unchecked")
        A action = (A) actions.computeIfAbsent(key, k -> create.get());
        return action;
    }

    private <T, E extends Exception> T once(Work<T, E> work, Predicate<? super T> commitIf) throws E {
        List<Runnable> outer = AFTER_COMMIT.get();
        java.util.Map<Object, BeforeCommit> outerBefore = BEFORE_COMMIT.get();
        List<Runnable> afterCommit = new java.util.ArrayList<>(1);
        java.util.Map<Object, BeforeCommit> beforeCommit = new java.util.LinkedHashMap<>();
        AFTER_COMMIT.set(afterCommit);
        BEFORE_COMMIT.set(beforeCommit);
        DbTransaction tx = db.transaction();
        T result;
        try {
            boolean commit;
            try {
                result = work.apply(tx);
                commit = commitIf.test(result);
                if (commit) {
                    for (BeforeCommit action : beforeCommit.values()) {
                        action.run(tx);
                    }
                }
            } catch (Throwable t) {
                rollback(tx, t);
                throw t;
            }
            if (commit) {
                try {
                    tx.commit();
                } catch (RuntimeException e) {
                    rollback(tx, e);
                    throw e;
                }
            } else {
                tx.rollback();
                afterCommit.clear();
            }
        } finally {
            AFTER_COMMIT.set(outer);
            BEFORE_COMMIT.set(outerBefore);
        }
        for (Runnable action : afterCommit) {
            try {
                action.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "an after-commit action failed", e);
            }
        }
        return result;
    }

    // a rollback that fails too (e.g. the connection is gone) must not hide why the work failed
    private static void rollback(DbTransaction tx, Throwable cause) {
        try {
            tx.rollback();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    // full jitter: concurrent victims of one deadlock do not collide again in step
    private void pause(int attempt, RuntimeException failure) {
        long ceiling = backoff.toNanos() * Math.min(1L << Math.min(attempt - 1, 30), MAX_BACKOFF_FACTOR);
        try {
            Thread.sleep(Duration.ofNanos(ThreadLocalRandom.current().nextLong(ceiling + 1)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure;
        }
    }
}

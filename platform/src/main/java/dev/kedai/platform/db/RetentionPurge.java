package dev.kedai.platform.db;

import java.time.Duration;
import java.util.List;

import dev.kedai.platform.health.SupervisedLoop;
import dev.kedai.platform.observe.OutcomeCounter;
import io.helidon.common.config.Config;
import io.helidon.dbclient.DbClient;

/**
 * Deletes rows past their retention, in batches so no purge holds locks for long: the services'
 * bookkeeping tables ({@link #create}) and the event history ({@code events.EventHistoryPurge}).
 * Each round deletes one batch per rule; while any rule had a full batch (it is behind) the next
 * round runs at once, else after {@code interval}. A {@link SupervisedLoop}: a failed round is
 * tried again after a pause, and liveness and {@code kedai_loop_*} report it. Rows deleted are
 * counted per rule ({@code table} label) in the counter the caller names.
 *
 * <p>A rule's DELETE takes two parameters, the retention in microseconds and the batch size,
 * and must be able to use an index (the migrations that create the tables say which).
 *
 * <pre>{@code
 * RetentionPurge.create(db, config, List.of(new RetentionPurge.Rule("cart-operations", Duration.ofDays(7), """
 *         DELETE FROM cart_operations WHERE applied_at < CURRENT_TIMESTAMP(3) - INTERVAL ? MICROSECOND LIMIT ?"""))).start();
 * }</pre>
 */
public final class RetentionPurge implements AutoCloseable {

    /** Rows per DELETE of the services' tables. */
    static final int BATCH = 500;

    /**
     * @param name      the {@code table} label of the counter and, in {@link #create}, the config key under {@code retention.}
     * @param retention how long rows are kept (in {@link #create}: unless {@code retention.<name>} says otherwise)
     * @param delete    {@code DELETE ... < CURRENT_TIMESTAMP(n) - INTERVAL ? MICROSECOND ... LIMIT ?}
     */
    public record Rule(String name, Duration retention, String delete) {
    }

    private final DbClient db;
    private final List<Rule> rules;
    private final Duration interval;
    private final int batch;
    private final OutcomeCounter purged;
    private final SupervisedLoop loop;

    /**
     * @param loop    the loop's name, unique in the process (a metric label)
     * @param purged  counts deleted rows; its label values are the rules' names
     */
    public RetentionPurge(DbClient db, String loop, List<Rule> rules, Duration interval, int batch, OutcomeCounter purged) {
        this.db = db;
        this.rules = List.copyOf(rules);
        this.interval = interval;
        this.batch = batch;
        this.purged = purged;
        this.loop = SupervisedLoop.builder(loop, this::round).build();
    }

    /**
     * A service's tables: each rule's retention from {@code retention.<name>}, every
     * {@code retention.interval} (default PT10M: a loop must succeed within the 15 minutes of the
     * KedaiLoopFailing alert), loop {@code retention-purge-<service.name>}, counted in
     * {@code kedai_retention_purged_total{table}}. Call {@link #start()}, close on shutdown.
     */
    public static RetentionPurge create(DbClient db, Config root, List<Rule> rules) {
        Config c = root.get("retention");
        List<Rule> configured = rules.stream()
                .map(r -> new Rule(r.name(), c.get(r.name()).as(Duration.class).orElse(r.retention()), r.delete()))
                .toList();
        OutcomeCounter purged = OutcomeCounter.create("kedai.retention.purged", "Rows of a service's tables purged past their retention",
                                                      "table", rules.stream().map(Rule::name).toArray(String[]::new));
        return new RetentionPurge(db, "retention-purge-" + root.get("service.name").asString().orElse("unnamed"), configured,
                                  c.get("interval").as(Duration.class).orElse(Duration.ofMinutes(10)), BATCH, purged);
    }

    public RetentionPurge start() {
        loop.start();
        return this;
    }

    /** Runs a round now instead of after the interval (one round and, while behind, the ones that follow at once). */
    public void wake() {
        loop.wake();
    }

    private Duration round() {
        boolean behind = false;
        for (Rule rule : rules) {
            long n = db.execute().delete(rule.delete(), rule.retention().toNanos() / 1_000, batch);
            purged.increment(rule.name(), n);
            behind |= n >= batch;
        }
        return behind ? Duration.ZERO : interval;
    }

    @Override
    public void close() {
        loop.close();
    }
}

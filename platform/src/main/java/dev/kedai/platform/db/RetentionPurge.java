package dev.kedai.platform.db;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;

import dev.kedai.platform.server.PeriodicTask;
import io.helidon.config.Config;
import io.helidon.dbclient.DbClient;

/**
 * Deletes rows past their retention, every {@code retention.interval} (default PT1H), in batches
 * of {@value #BATCH} so no purge holds locks for long. A service lists its tables' rules; each
 * rule's retention is {@code retention.<name>} (an ISO-8601 duration) or its default. A rule's
 * DELETE takes two parameters, the retention in seconds and the batch size, and must be able to
 * use an index (the migrations that create the tables say which).
 *
 * <pre>{@code
 * RetentionPurge.start(db, config, List.of(new RetentionPurge.Rule("cart-operations", Duration.ofDays(7), """
 *         DELETE FROM cart_operations WHERE applied_at < CURRENT_TIMESTAMP(3) - INTERVAL ? SECOND LIMIT ?""")));
 * }</pre>
 */
public final class RetentionPurge {

    static final int BATCH = 500;
    private static final System.Logger LOG = System.getLogger(RetentionPurge.class.getName());

    /**
     * @param name             the config key under {@code retention.} and the log's name for it
     * @param defaultRetention how long rows are kept when the config does not say
     * @param delete           {@code DELETE ... < CURRENT_TIMESTAMP(3) - INTERVAL ? SECOND ... LIMIT ?}
     */
    public record Rule(String name, Duration defaultRetention, String delete) {
    }

    private RetentionPurge() {
    }

    /** Starts purging; close the task on shutdown. */
    public static PeriodicTask start(DbClient db, Config root, List<Rule> rules) {
        Config c = root.get("retention");
        List<Long> seconds = rules.stream()
                .map(r -> c.get(r.name()).as(Duration.class).orElse(r.defaultRetention()).toSeconds())
                .toList();
        return PeriodicTask.start("retention-purge", c.get("interval").as(Duration.class).orElse(Duration.ofHours(1)), () -> {
            boolean more = false;
            for (int i = 0; i < rules.size(); i++) {
                long deleted = db.execute().delete(rules.get(i).delete(), seconds.get(i), BATCH);
                if (deleted > 0) {
                    String name = rules.get(i).name();
                    LOG.log(Level.DEBUG, () -> "purged " + deleted + " row(s) of " + name);
                }
                more |= deleted == BATCH;
            }
            return more;
        });
    }
}

package dev.kedai.platform.events;

import java.time.Duration;
import java.util.List;

import dev.kedai.platform.db.RetentionPurge;
import dev.kedai.platform.observe.OutcomeCounter;
import io.helidon.common.config.Config;
import io.helidon.dbclient.DbClient;

/**
 * Deletes the event history that is only history: outbox rows sent longer ago than
 * {@code outbox.retention} (default PT24H, kept for inspection), {@code processed_events} ids
 * older than {@code events.processed-retention} (default P7D, far longer than any redelivery:
 * the relay re-sends within seconds) and {@code event_failures} rows as old. Every
 * {@code events.purge-interval} (default PT1M) it deletes in batches of {@code events.purge-batch}
 * rows (default 5000, one short autocommit DELETE each) until a batch comes back short, so it
 * keeps up with any rate the service sustains. Counted in {@code kedai_events_purged_total{table}}.
 * Runs on a {@link RetentionPurge} (loop {@code event-history-purge-<service>}).
 */
public final class EventHistoryPurge implements AutoCloseable {

    private final RetentionPurge purge;

    EventHistoryPurge(DbClient db, String service, Duration outboxRetention, Duration processedRetention,
                      Duration interval, int batch) {
        List<RetentionPurge.Rule> rules = List.of(
                new RetentionPurge.Rule("outbox", outboxRetention,
                        "DELETE FROM outbox WHERE sent_at < CURRENT_TIMESTAMP(6) - INTERVAL ? MICROSECOND LIMIT ?"),
                new RetentionPurge.Rule("processed_events", processedRetention,
                        "DELETE FROM processed_events WHERE processed_at < CURRENT_TIMESTAMP(6) - INTERVAL ? MICROSECOND LIMIT ?"),
                new RetentionPurge.Rule("event_failures", processedRetention,
                        "DELETE FROM event_failures WHERE updated_at < CURRENT_TIMESTAMP(6) - INTERVAL ? MICROSECOND LIMIT ?"));
        OutcomeCounter purged = OutcomeCounter.create("kedai.events.purged", "Rows of the event history tables purged",
                                                      "table", "outbox", "processed_events", "event_failures");
        this.purge = new RetentionPurge(db, "event-history-purge-" + service, rules, interval, batch, purged);
    }

    /** From {@code service.name}, {@code outbox.retention}, {@code events.processed-retention}, {@code events.purge-*}. */
    public static EventHistoryPurge create(DbClient db, Config root) {
        return new EventHistoryPurge(db, root.get("service.name").asString().orElse("unnamed"),
                root.get("outbox.retention").as(Duration.class).orElse(Duration.ofHours(24)),
                root.get("events.processed-retention").as(Duration.class).orElse(Duration.ofDays(7)),
                root.get("events.purge-interval").as(Duration.class).orElse(Duration.ofMinutes(1)),
                root.get("events.purge-batch").asInt().orElse(5000));
    }

    public EventHistoryPurge start() {
        purge.start();
        return this;
    }

    /** Starts a round now (tests: a round's outcome without waiting for the interval). */
    void wake() {
        purge.wake();
    }

    @Override
    public void close() {
        purge.close();
    }
}

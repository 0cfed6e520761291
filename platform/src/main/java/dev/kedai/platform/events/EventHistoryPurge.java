package dev.kedai.platform.events;

import java.time.Duration;
import java.util.List;

import dev.kedai.platform.health.SupervisedLoop;
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
 * A {@link SupervisedLoop} ({@code event-history-purge-<service>}).
 */
public final class EventHistoryPurge implements AutoCloseable {

    private record Table(String name, String delete, Duration retention) {
    }

    private final DbClient db;
    private final List<Table> tables;
    private final int batch;
    private final Duration interval;
    private final OutcomeCounter purged;
    private final SupervisedLoop loop;

    EventHistoryPurge(DbClient db, String service, Duration outboxRetention, Duration processedRetention,
                      Duration interval, int batch) {
        this.db = db;
        this.batch = batch;
        this.interval = interval;
        this.tables = List.of(
                new Table("outbox", "DELETE FROM outbox WHERE sent_at < CURRENT_TIMESTAMP(6) - INTERVAL ? MICROSECOND LIMIT ?",
                          outboxRetention),
                new Table("processed_events",
                          "DELETE FROM processed_events WHERE processed_at < CURRENT_TIMESTAMP(6) - INTERVAL ? MICROSECOND LIMIT ?",
                          processedRetention),
                new Table("event_failures",
                          "DELETE FROM event_failures WHERE updated_at < CURRENT_TIMESTAMP(6) - INTERVAL ? MICROSECOND LIMIT ?",
                          processedRetention));
        this.purged = OutcomeCounter.create("kedai.events.purged", "Rows of the event history tables purged",
                                            "table", "outbox", "processed_events", "event_failures");
        this.loop = SupervisedLoop.builder("event-history-purge-" + service, this::round).build();
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
        loop.start();
        return this;
    }

    /** One batch per table; at once again while any table had a full batch (it is behind). */
    private Duration round() {
        boolean behind = false;
        for (Table table : tables) {
            long n = db.execute().delete(table.delete(), table.retention().toNanos() / 1_000, batch);
            purged.increment(table.name(), n);
            behind |= n >= batch;
        }
        return behind ? Duration.ZERO : interval;
    }

    @Override
    public void close() {
        loop.close();
    }
}

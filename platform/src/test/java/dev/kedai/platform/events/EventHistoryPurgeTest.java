package dev.kedai.platform.events;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.kedai.platform.db.Database;
import dev.kedai.platform.db.TestDatabases;

import io.helidon.dbclient.DbClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static dev.kedai.platform.events.TestEvents.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The history tables stay bounded whatever the rate: every round deletes until it has caught up. */
class EventHistoryPurgeTest {

    private Database database;
    private DbClient db;

    @BeforeEach
    void setUp() {
        database = TestDatabases.start("platpurge");
        db = database.client();
    }

    @AfterEach
    void tearDown() {
        database.close();
    }

    /**
     * 20,000 sent outbox rows and 20,000 processed ids past their retention: one round removes them
     * all, while unsent rows and young ids stay. Fails with the purge that deleted at most 1,000
     * outbox rows a minute and 5,000 ids per 10 minutes.
     */
    @Test
    void oneRoundCatchesUpWithAnyBacklog() {
        insertOld(20_000);
        db.execute().dml("INSERT INTO outbox (event_id, topic, event_key, event_type, source, event_time, payload)"
                                 + " VALUES ('unsent', 't', 'k', 'x', 's', 'now', x'00')");
        db.execute().dml("INSERT INTO processed_events (consumer_group, event_id) VALUES ('g', 'young')");

        try (EventHistoryPurge purge = new EventHistoryPurge(db, "test", Duration.ofHours(1), Duration.ofHours(1),
                                                             Duration.ofHours(1), 5000).start()) {
            await().atMost(WAIT).until(() -> count("outbox") == 1 && count("processed_events") == 1
                    && count("event_failures") == 0);
        }
        assertThat(TestEvents.count(db, "SELECT COUNT(*) AS n FROM outbox WHERE event_id = 'unsent'")).isEqualTo(1);
        assertThat(TestEvents.count(db, "SELECT COUNT(*) AS n FROM processed_events WHERE event_id = 'young'")).isEqualTo(1);
    }

    /**
     * Only what is past its retention goes: a sent row of 2 h ago, not one of 10 min ago nor an
     * unsent row of 2 h ago (never deleted unsent); processed ids of 2 h ago of every group of the
     * service's database, not those of 10 min ago.
     */
    @Test
    void onlyRowsPastTheirRetentionArePurged() {
        String insertOutbox = "INSERT INTO outbox (event_id, topic, event_key, event_type, source, event_time, payload,"
                + " created_at, sent_at) VALUES (?, 't', 'k', 'x', 's', 'then', x'00', CURRENT_TIMESTAMP(6) - INTERVAL 3 HOUR,"
                + " CURRENT_TIMESTAMP(6) - INTERVAL ? MINUTE)";
        db.execute().dml(insertOutbox, "old-sent", 120);
        db.execute().dml(insertOutbox, "recent-sent", 10);
        db.execute().dml("INSERT INTO outbox (event_id, topic, event_key, event_type, source, event_time, payload, created_at)"
                                 + " VALUES ('old-unsent', 't', 'k', 'x', 's', 'then', x'00', CURRENT_TIMESTAMP(6) - INTERVAL 2 HOUR)");
        String insertId = "INSERT INTO processed_events (consumer_group, event_id, processed_at)"
                + " VALUES (?, ?, CURRENT_TIMESTAMP(6) - INTERVAL ? MINUTE)";
        db.execute().dml(insertId, "g1", "old", 120);
        db.execute().dml(insertId, "g1", "recent", 10);
        db.execute().dml(insertId, "g2", "old", 120);

        try (EventHistoryPurge purge = new EventHistoryPurge(db, "test", Duration.ofHours(1), Duration.ofHours(1),
                                                             Duration.ofMillis(100), 5000).start()) {
            await().atMost(WAIT).until(() -> count("outbox") == 2 && count("processed_events") == 1);
        }
        assertThat(db.execute().query("SELECT event_id FROM outbox ORDER BY event_id")
                           .map(r -> r.column("event_id").getString()).toList())
                .containsExactly("old-unsent", "recent-sent");
        assertThat(db.execute().query("SELECT consumer_group, event_id FROM processed_events")
                           .map(r -> r.column("consumer_group").getString() + "/" + r.column("event_id").getString())
                           .toList())
                .containsExactly("g1/recent");
    }

    /**
     * Sent rows keep coming for 15 s with a retention of one second: at the end the table holds
     * about what was written in the last few seconds, not the history. Fails when the purge deletes
     * a fixed number per interval.
     */
    @Test
    void underSustainedWritesTheTableStaysBounded() throws Exception {
        // (nanoTime, rows written so far) after each batch: the bound below follows the writer's own pace
        List<long[]> progress = new ArrayList<>();
        try (EventHistoryPurge purge = new EventHistoryPurge(db, "test", Duration.ofSeconds(1), Duration.ofSeconds(1),
                                                             Duration.ofMillis(200), 500).start()) {
            long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            long written = 0;
            while (System.nanoTime() < end) {
                StringBuilder sql = new StringBuilder("INSERT INTO outbox (event_id, topic, event_key, event_type,"
                        + " source, event_time, payload, sent_at) VALUES ");
                for (int i = 0; i < 100; i++) {
                    sql.append(i == 0 ? "" : ", ").append("(UUID(), 't', 'k', 'x', 's', 'now', x'00', CURRENT_TIMESTAMP(6))");
                }
                db.execute().dml(sql.toString());
                written += 100;
                progress.add(new long[] {System.nanoTime(), written});
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(10).toNanos());   // pacing, ~5k rows/s at most
            }
        }
        long total = progress.getLast()[1];
        long windowStart = progress.getLast()[0] - Duration.ofSeconds(6).toNanos();
        long before = progress.stream().filter(p -> p[0] <= windowStart).mapToLong(p -> p[1]).max().orElse(0);
        long left = count("outbox");
        assertThat(left).as("rows left of %d written, %d of them in the last 6 s", total, total - before)
                .isLessThanOrEqualTo(total - before + 500);
    }

    private void insertOld(int n) {
        for (int done = 0; done < n; done += 1000) {
            StringBuilder outbox = new StringBuilder("INSERT INTO outbox (event_id, topic, event_key, event_type, source,"
                    + " event_time, payload, sent_at) VALUES ");
            StringBuilder processed = new StringBuilder("INSERT INTO processed_events (consumer_group, event_id, processed_at) VALUES ");
            StringBuilder failures = new StringBuilder("INSERT INTO event_failures (consumer_group, event_id, attempts,"
                    + " last_error, updated_at) VALUES ");
            for (int i = 0; i < 1000; i++) {
                String sep = i == 0 ? "" : ", ";
                outbox.append(sep).append("(UUID(), 't', 'k', 'x', 's', 'then', x'00', CURRENT_TIMESTAMP(6) - INTERVAL 2 HOUR)");
                processed.append(sep).append("('g', UUID(), CURRENT_TIMESTAMP(6) - INTERVAL 2 HOUR)");
                if (done == 0 && i < 10) {
                    failures.append(sep).append("('g', UUID(), 1, 'e', CURRENT_TIMESTAMP(6) - INTERVAL 2 HOUR)");
                }
            }
            db.execute().dml(outbox.toString());
            db.execute().dml(processed.toString());
            if (done == 0) {
                db.execute().dml(failures.toString());
            }
        }
    }

    private long count(String table) {
        return TestEvents.count(db, "SELECT COUNT(*) AS n FROM " + table);
    }
}

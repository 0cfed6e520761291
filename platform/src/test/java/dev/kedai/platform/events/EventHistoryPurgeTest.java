package dev.kedai.platform.events;

import java.time.Duration;
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
     * Writes keep coming, each burst larger than a batch: 20 bursts of three batches of sent rows
     * past their retention (and a few young ones), each followed by one wake-up of a purge whose
     * interval is an hour. After every burst the purge must have removed the whole burst before
     * it goes back to sleep, so the table holds only the young rows however fast the machine is.
     * Fails when a round deletes a fixed number of rows (one batch per wake-up or interval): the
     * first burst leaves two batches behind and they pile up.
     */
    @Test
    void underSustainedWritesTheTableStaysBounded() {
        int batch = 500;
        try (EventHistoryPurge purge = new EventHistoryPurge(db, "test", Duration.ofHours(1), Duration.ofHours(1),
                                                             Duration.ofHours(1), batch).start()) {
            for (int burst = 1; burst <= 20; burst++) {
                insertSent(3 * batch, "CURRENT_TIMESTAMP(6) - INTERVAL 2 HOUR");
                insertSent(10, "CURRENT_TIMESTAMP(6)");
                insertProcessed(3 * batch, "CURRENT_TIMESTAMP(6) - INTERVAL 2 HOUR");
                insertProcessed(10, "CURRENT_TIMESTAMP(6)");
                purge.wake();
                long young = 10L * burst;
                await().atMost(WAIT).until(() -> count("outbox") == young && count("processed_events") == young);
            }
        }
        assertThat(TestEvents.count(db, "SELECT COUNT(*) AS n FROM outbox WHERE sent_at < CURRENT_TIMESTAMP(6) - INTERVAL 1 HOUR"))
                .isZero();
        assertThat(TestEvents.count(db, "SELECT COUNT(*) AS n FROM processed_events"
                                        + " WHERE processed_at < CURRENT_TIMESTAMP(6) - INTERVAL 1 HOUR")).isZero();
    }

    private void insertProcessed(int n, String processedAt) {
        StringBuilder sql = new StringBuilder("INSERT INTO processed_events (consumer_group, event_id, processed_at) VALUES ");
        for (int i = 0; i < n; i++) {
            sql.append(i == 0 ? "" : ", ").append("('g', UUID(), ").append(processedAt).append(')');
        }
        db.execute().dml(sql.toString());
    }

    private void insertSent(int n, String sentAt) {
        StringBuilder sql = new StringBuilder("INSERT INTO outbox (event_id, topic, event_key, event_type, source, event_time,"
                + " payload, sent_at) VALUES ");
        for (int i = 0; i < n; i++) {
            sql.append(i == 0 ? "" : ", ").append("(UUID(), 't', 'k', 'x', 's', 'now', x'00', ").append(sentAt).append(')');
        }
        db.execute().dml(sql.toString());
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

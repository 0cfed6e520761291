package dev.kedai.platform.db;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.kedai.platform.health.SupervisedLoop;
import dev.kedai.platform.observe.OutcomeCounter;
import io.helidon.dbclient.DbClient;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two replicas run the same purge loop on one table (issue 20): they share the work and count it once. */
class RetentionPurgeTest {

    private static final String PURGED = "kedai.test.retention.purged";
    private static final String DELETE = """
            DELETE FROM purged_rows WHERE created_at < CURRENT_TIMESTAMP(3) - INTERVAL ? MICROSECOND LIMIT ?""";

    private Database database;
    private DbClient db;

    @BeforeEach
    void setUp() {
        database = TestDatabases.start("purgerace");
        db = database.client();
        db.execute().dml("""
                CREATE TABLE purged_rows (
                    id         BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
                    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
                    INDEX purged_rows_age (created_at))""");
    }

    @AfterEach
    void tearDown() {
        database.close();
    }

    /**
     * 10,000 rows past their retention, deleted by two loops at once in batches of 50 (about 200
     * rounds racing over the same index range) while new rows keep being written: every expired row
     * is gone, the two loops' counts add up to exactly the rows there were (none counted by both),
     * neither loop had a failed round (no deadlock or lock timeout surfaced) and every new row stays.
     */
    @Test
    void twoLoopsOnOneTableDeleteEveryExpiredRowOnceAndKeepTheFreshOnes() throws Exception {
        int expired = 10_000;
        for (int done = 0; done < expired; done += 1_000) {
            StringBuilder rows = new StringBuilder("INSERT INTO purged_rows (created_at) VALUES ");
            for (int i = 0; i < 1_000; i++) {
                rows.append(i == 0 ? "" : ", ").append("(CURRENT_TIMESTAMP(3) - INTERVAL 2 HOUR)");
            }
            db.execute().dml(rows.toString());
        }
        int fresh = 300;
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (RetentionPurge a = purge("a"); RetentionPurge b = purge("b")) {
            Future<?> writes = writer.submit(() -> {
                for (int i = 0; i < fresh; i++) {
                    db.execute().dml("INSERT INTO purged_rows (created_at) VALUES (CURRENT_TIMESTAMP(3))");
                }
            });
            a.start();
            b.start();
            writes.get();
            await().atMost(Duration.ofSeconds(60)).until(() -> purged("a") + purged("b") >= expired
                    && count("created_at < CURRENT_TIMESTAMP(3) - INTERVAL 1 HOUR") == 0);
        } finally {
            writer.shutdown();
        }
        assertThat(purged("a") + purged("b")).as("rows counted as purged").isEqualTo(expired);
        assertThat(purged("a")).as("loop a's share").isPositive();
        assertThat(purged("b")).as("loop b's share").isPositive();
        assertThat(List.of(failures("a"), failures("b"))).as("failed rounds").containsExactly(0L, 0L);
        assertThat(count("created_at >= CURRENT_TIMESTAMP(3) - INTERVAL 1 HOUR")).as("fresh rows").isEqualTo(fresh);
    }

    private RetentionPurge purge(String replica) {
        OutcomeCounter purged = OutcomeCounter.create(Metrics.globalRegistry(), PURGED, "test", List.of(Tag.create("replica", replica)),
                                                      "table", "purged_rows");
        // an hour between rounds: a loop goes on at once only while its last batch was full
        return new RetentionPurge(db, "purge-race-" + replica, List.of(new RetentionPurge.Rule("purged_rows",
                Duration.ofHours(1), DELETE)), Duration.ofHours(1), 50, purged);
    }

    private static long purged(String replica) {
        return Metrics.globalRegistry().counter(PURGED, List.of(Tag.create("replica", replica), Tag.create("table", "purged_rows")))
                .map(Counter::count).orElse(0L);
    }

    private static long failures(String replica) {
        return Metrics.globalRegistry().counter(SupervisedLoop.FAILURES, List.of(Tag.create("loop", "purge-race-" + replica)))
                .map(Counter::count).orElse(0L);
    }

    private long count(String where) {
        return db.execute().query("SELECT COUNT(*) AS n FROM purged_rows WHERE " + where)
                .map(r -> r.column("n").getLong()).findFirst().orElseThrow();
    }
}

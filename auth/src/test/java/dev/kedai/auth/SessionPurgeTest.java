package dev.kedai.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import dev.kedai.infra.DbAccount;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.db.Database;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.dbclient.DbClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The purge against auth's real schema in the test MariaDB: expired rows go, live ones stay. */
class SessionPurgeTest {

    private static final long NOW = Instant.parse("2026-11-21T10:00:00Z").toEpochMilli();
    private static final Duration GRACE = Duration.ofHours(1);

    private static Database database;
    private static DbClient db;

    @BeforeAll
    static void migrate() {
        DbAccount account = TestInfra.newDatabase("auth_purge");
        database = Database.start(Config.just(ConfigSources.create(Map.of(
                "source", "jdbc",
                "connection.url", account.url(),
                "connection.username", account.user(),
                "connection.password", account.password()))));
        db = database.client();
    }

    @AfterAll
    static void close() {
        if (database != null) {
            database.close();
        }
    }

    private static void row(String prefix, String id, long expiresMs) {
        db.execute().insert("INSERT INTO sessions (session_id, user_id, expires_ms) VALUES (?, ?, ?)",
                            prefix + id, "u-" + id, expiresMs);
        db.execute().insert("INSERT INTO refresh_tokens (token_hash, session_id, expires_ms) VALUES (?, ?, ?)",
                            prefix + "t-" + id, prefix + id, expiresMs);
    }

    private static List<String> sessions(String prefix) {
        return db.execute().query("SELECT session_id FROM sessions WHERE session_id LIKE ? ORDER BY session_id", prefix + "%")
                .map(r -> r.column("session_id").getString().substring(prefix.length())).toList();
    }

    private static List<String> refreshTokens(String prefix) {
        return db.execute().query("SELECT token_hash FROM refresh_tokens WHERE token_hash LIKE ? ORDER BY token_hash", prefix + "%")
                .map(r -> r.column("token_hash").getString().substring(prefix.length())).toList();
    }

    @Test
    void deletesRowsExpiredLongerThanTheGraceInBatchesAndKeepsTheRest() {
        String p = "a-";
        for (int i = 0; i < 5; i++) {
            row(p, "old" + i, NOW - GRACE.toMillis() - 1 - i * 60_000L);
        }
        row(p, "recent", NOW - GRACE.toMillis() + 60_000);   // expired, but within the grace
        row(p, "live", NOW + Duration.ofDays(14).toMillis());
        // batches of 2: five old rows per table take three statements each
        SessionPurge purge = new SessionPurge(db, Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC),
                                              Duration.ofMinutes(10), GRACE, 2);

        assertThat(purge.purgeOnce()).isEqualTo(new SessionPurge.Purged(5, 5));

        assertThat(sessions(p)).containsExactly("live", "recent");
        assertThat(refreshTokens(p)).containsExactly("t-live", "t-recent");
        assertThat(purge.purgeOnce()).isEqualTo(new SessionPurge.Purged(0, 0));
    }

    @Test
    void runsEveryInterval() {
        String p = "b-";
        long realNow = System.currentTimeMillis();
        row(p, "old", realNow - Duration.ofDays(1).toMillis());
        row(p, "live", realNow + Duration.ofDays(1).toMillis());
        try (SessionPurge purge = new SessionPurge(db, Clock.systemUTC(), Duration.ofMillis(200), GRACE, 100).start()) {
            Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> sessions(p).equals(List.of("live")) && refreshTokens(p).equals(List.of("t-live")));
        }
    }
}

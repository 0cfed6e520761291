package dev.kedai.platform.db;

import java.sql.DriverManager;
import java.sql.SQLException;

import dev.kedai.infra.DbAccount;
import dev.kedai.infra.TestInfra;

import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatabaseTest {

    @Test
    void migratesPlatformAndServiceTablesAndASecondStartIsANoOp() {
        DbAccount account = TestInfra.newDatabase("platdb");
        try (Database db = Database.start(TestDatabases.dbConfig(account, TestDatabases.TEST_MIGRATIONS))) {
            assertThat(count(db, "SELECT COUNT(*) AS n FROM flyway_platform_history WHERE success = 1 AND version = '1'"))
                    .isEqualTo(1);
            assertThat(count(db, "SELECT COUNT(*) AS n FROM flyway_schema_history WHERE success = 1 AND version = '1'"))
                    .isEqualTo(1);
            assertThat(count(db, "SELECT COUNT(*) AS n FROM outbox")).isZero();
            assertThat(count(db, "SELECT COUNT(*) AS n FROM processed_events")).isZero();
            assertThat(count(db, "SELECT COUNT(*) AS n FROM effects")).isZero();
            db.client().execute().insert("INSERT INTO effects (event_key, event_type) VALUES (?, ?)", "k", "t");
        }
        try (Database again = Database.start(TestDatabases.dbConfig(account, TestDatabases.TEST_MIGRATIONS))) {
            assertThat(count(again, "SELECT COUNT(*) AS n FROM flyway_platform_history")).isEqualTo(
                    count(again, "SELECT COUNT(*) AS n FROM flyway_platform_history WHERE success = 1"));
            assertThat(count(again, "SELECT COUNT(*) AS n FROM flyway_schema_history WHERE version = '1'"))
                    .isEqualTo(1);
            assertThat(count(again, "SELECT COUNT(*) AS n FROM effects")).isEqualTo(1);
        }
    }

    /**
     * Issue 20, fault suite with two replicas: two instances of a service starting together on a
     * fresh database both created Flyway's history table, and one died at start-up ("Unable to
     * baseline schema history table … as it already exists, and is empty") — a first `helm install`
     * with two replicas does that. Four instances at once on each of five fresh schemas: each
     * starts, each migration is applied once.
     */
    @Test
    void instancesStartingTogetherOnAFreshDatabaseAllStartAndMigrateOnce() throws Exception {
        for (int round = 0; round < 5; round++) {
            DbAccount account = TestInfra.newDatabase("platrace");
            java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(4);
            java.util.List<java.util.concurrent.Future<?>> starts = new java.util.ArrayList<>();
            try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
                for (int i = 0; i < 4; i++) {
                    starts.add(pool.submit(() -> {
                        together.await();
                        Database.migrate(account.url(), account.user(), account.password(),
                                         java.util.List.of(TestDatabases.TEST_MIGRATIONS));
                        return null;
                    }));
                }
                for (var start : starts) {
                    start.get(60, java.util.concurrent.TimeUnit.SECONDS);
                }
            }
            try (Database db = Database.start(TestDatabases.dbConfig(account, TestDatabases.TEST_MIGRATIONS))) {
                assertThat(count(db, "SELECT COUNT(*) AS n FROM flyway_platform_history WHERE version = '1'")).isEqualTo(1);
                assertThat(count(db, "SELECT COUNT(*) AS n FROM flyway_schema_history WHERE version = '1'")).isEqualTo(1);
            }
        }
    }

    @Test
    void readinessCheckIsUpAndRegistersAsReadiness() {
        try (Database db = TestDatabases.start("platready")) {
            assertThat(db.readiness().type()).isEqualTo(HealthCheckType.READINESS);
            assertThat(db.readiness().call().status()).isEqualTo(HealthCheckResponse.Status.UP);
        }
    }

    @Test
    void aServiceUserCannotReachAnotherServicesSchema() throws SQLException {
        DbAccount mine = TestInfra.newDatabase("platmine");
        DbAccount theirs = TestInfra.newDatabase("plattheirs");
        try (Database db = Database.start(TestDatabases.dbConfig(theirs, TestDatabases.TEST_MIGRATIONS))) {
            assertThat(count(db, "SELECT COUNT(*) AS n FROM effects")).isZero();
        }
        // my credentials on their schema: refused at connect, so Database cannot start
        DbAccount trespass = new DbAccount(theirs.url(), mine.user(), mine.password());
        assertThatThrownBy(() -> Database.start(TestDatabases.dbConfig(trespass, TestDatabases.TEST_MIGRATIONS)))
                .hasStackTraceContaining("Access denied");
        // and on my own connection, their tables stay out of reach
        try (var c = DriverManager.getConnection(mine.url(), mine.user(), mine.password());
             var st = c.createStatement()) {
            assertThatThrownBy(() -> st.executeQuery("SELECT COUNT(*) FROM " + schemaOf(theirs) + ".effects"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("denied");
        }
    }

    private static long count(Database db, String sql) {
        return db.client().execute().get(sql).orElseThrow().column("n").getLong();
    }

    private static String schemaOf(DbAccount account) {
        String tail = account.url().substring(account.url().lastIndexOf('/') + 1);
        int q = tail.indexOf('?');
        return q < 0 ? tail : tail.substring(0, q);
    }

    @Test
    void theDriverGetsKedaisDefaultsUnlessTheUrlSetsThem() {
        assertThat(Database.tunedUrl("jdbc:mysql://h:3306/kedai_x"))
                .startsWith("jdbc:mysql://h:3306/kedai_x?cacheP")
                .contains("useLocalSessionState=true", "elideSetAutoCommits=true", "prepStmtCacheSize=250");
        assertThat(Database.tunedUrl("jdbc:mysql://h/s?cachePrepStmts=false&sslMode=DISABLED"))
                .startsWith("jdbc:mysql://h/s?cachePrepStmts=false&sslMode=DISABLED&")
                .doesNotContain("cachePrepStmts=true");

        var db = io.helidon.config.Config.just(io.helidon.config.ConfigSources.create(java.util.Map.of(
                "db.source", "jdbc", "db.connection.url", "jdbc:mysql://h/s", "db.connection.username", "u")))
                .get("db");
        var tuned = Database.withDriverDefaults(db, "jdbc:mysql://h/s");
        assertThat(tuned.get("connection.url").asString().get()).isEqualTo(Database.tunedUrl("jdbc:mysql://h/s"));
        assertThat(tuned.get("connection.username").asString().get()).isEqualTo("u");
        assertThat(tuned.get("source").asString().get()).isEqualTo("jdbc");
    }

    /** The background pool is small and patient unless {@code db.background} says otherwise; the rest is the request pool's. */
    @Test
    void theBackgroundPoolHasItsOwnSettings() {
        var db = io.helidon.config.Config.just(io.helidon.config.ConfigSources.create(java.util.Map.of(
                "db.connection.url", "jdbc:mysql://h/s", "db.connection.maximumPoolSize", "10",
                "db.background.maximumPoolSize", "2"))).get("db");

        var settings = Database.backgroundSettings(db, "jdbc:mysql://h/s?x=1");

        assertThat(settings).containsEntry("connection.maximumPoolSize", "2")
                .containsEntry("connection.minimumIdle", "1")
                .containsEntry("connection.connectionTimeout", "30000")
                .containsEntry("connection.poolName", "background")
                .containsEntry("connection.url", "jdbc:mysql://h/s?x=1");
    }

    /**
     * A statement waits for a row lock another transaction holds: it is cut off at the statement
     * timeout (here 1 s), not after InnoDB's 50 s lock wait, and reads as a transient failure.
     * Fails without the session's statement timeout.
     */
    @Test
    void aStatementRunsNoLongerThanTheStatementTimeout() throws Exception {
        DbAccount account = TestInfra.newDatabase("platstmt");
        var config = io.helidon.config.Config.just(io.helidon.config.ConfigSources.create(java.util.Map.of(
                "db.source", "jdbc", "db.connection.url", account.url(), "db.connection.username", account.user(),
                "db.connection.password", account.password(), "db.statement-timeout", "PT1S",
                "db.migration.locations.0", TestDatabases.TEST_MIGRATIONS))).get("db");
        try (Database db = Database.start(config);
             var holder = DriverManager.getConnection(account.url(), account.user(), account.password());
             var st = holder.createStatement()) {
            db.client().execute().dml("CREATE TABLE hot (id INT PRIMARY KEY)");
            db.client().execute().dml("INSERT INTO hot VALUES (1)");
            holder.setAutoCommit(false);
            st.executeQuery("SELECT id FROM hot WHERE id = 1 FOR UPDATE").close();

            assertThatThrownBy(() -> db.client().execute().dml("UPDATE hot SET id = 2 WHERE id = 1"))
                    .satisfies(e -> assertThat(TransientFailures.kind(e)).hasValue(TransientFailures.Kind.TIMEOUT));
            holder.rollback();
            assertThat(db.client().execute().dml("UPDATE hot SET id = 2 WHERE id = 1")).isEqualTo(1);
        }
    }
}

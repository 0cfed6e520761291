package dev.kedai.platform.db;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLTransactionRollbackException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.kedai.infra.DbAccount;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.http.Problems;
import dev.kedai.platform.testing.TcpProxy;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.dbclient.DbClientException;
import io.helidon.dbclient.DbTransaction;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The transaction helper against a real MariaDB: a real deadlock and a real lock wait timeout are run again. */
class TransactionsTest {

    private static DbAccount account;
    private static Database database;
    private String service;
    private Transactions transactions;

    @BeforeAll
    static void start() {
        account = TestInfra.newDatabase("plattx");
        database = Database.start(TestDatabases.dbConfig(account, TestDatabases.TEST_MIGRATIONS));
        database.client().execute().dml("CREATE TABLE counters (id INT PRIMARY KEY, n INT NOT NULL)");
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    @BeforeEach
    void fresh() {
        service = "tx-test-" + UUID.randomUUID();
        transactions = Transactions.create(database.client(), Config.just(ConfigSources.create(Map.of(
                "service.name", service, "db.transaction.retry-backoff", "PT0.005S"))));
        database.client().execute().dml("DELETE FROM counters");
        database.client().execute().dml("INSERT INTO counters (id, n) VALUES (1, 0), (2, 0)");
    }

    @Test
    void aDeadlockVictimIsRunAgainAndBothTransactionsCommit() throws Exception {
        CountDownLatch firstHoldsOne = new CountDownLatch(1);
        CountDownLatch secondHoldsTwo = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        // opposite lock order: each takes one row, then wants the other's; InnoDB kills one of them
        ExecutorService two = Executors.newFixedThreadPool(2);   // both must run at once, whatever the core count
        CompletableFuture<Void> first = CompletableFuture.runAsync(
                () -> lockInOrder(1, 2, firstHoldsOne, secondHoldsTwo, runs), two);
        CompletableFuture<Void> second = CompletableFuture.runAsync(
                () -> lockInOrder(2, 1, secondHoldsTwo, firstHoldsOne, runs), two);
        try {
            CompletableFuture.allOf(first, second).get(60, TimeUnit.SECONDS);
        } finally {
            two.shutdownNow();
        }

        assertThat(value(1)).isEqualTo(2);
        assertThat(value(2)).isEqualTo(2);
        assertThat(runs.get()).as("the victim ran again").isEqualTo(3);
        assertThat(retries("deadlock")).isEqualTo(1);
    }

    @Test
    void aLockWaitTimeoutIsRunAgain() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        try (Connection holder = DriverManager.getConnection(account.url(), account.user(), account.password())) {
            holder.setAutoCommit(false);
            holder.createStatement().executeQuery("SELECT n FROM counters WHERE id = 1 FOR UPDATE").close();
            int n = transactions.inTransaction(tx -> {
                if (runs.incrementAndGet() == 2) {
                    release(holder);   // the second run finds the row free
                }
                tx.dml("SET SESSION innodb_lock_wait_timeout = 1");
                increment(tx, 1);
                return tx.get("SELECT n FROM counters WHERE id = 1").orElseThrow().column("n").getInt();
            });
            assertThat(n).isEqualTo(1);
        }
        assertThat(runs.get()).isEqualTo(2);
        assertThat(value(1)).isEqualTo(1);
        assertThat(retries("lock_wait_timeout")).isEqualTo(1);
    }

    @Test
    void aDeterministicFailureIsNotRunAgainAndNothingCommits() {
        AtomicInteger runs = new AtomicInteger();
        assertThatThrownBy(() -> transactions.inTransaction(tx -> {
            runs.incrementAndGet();
            increment(tx, 1);
            return tx.insert("INSERT INTO counters (id, n) VALUES (2, 0)");   // duplicate key
        })).isInstanceOf(DbClientException.class);
        assertThat(runs.get()).isEqualTo(1);
        assertThat(value(1)).isZero();
        assertThat(retries("deadlock") + retries("lock_wait_timeout")).isZero();
    }

    @Test
    void aCheckedExceptionOfTheWorkReachesTheCallerAndRollsBack() {
        assertThatThrownBy(() -> transactions.inTransaction(tx -> {
            increment(tx, 1);
            throw new java.io.IOException("the work's own failure");
        })).isInstanceOf(java.io.IOException.class);
        assertThat(value(1)).isZero();
    }

    @Test
    void aResultRefusedByCommitIfIsRolledBack() {
        boolean kept = transactions.inTransaction(tx -> {
            increment(tx, 1);
            return false;
        }, result -> result);
        assertThat(kept).isFalse();
        assertThat(value(1)).isZero();
        transactions.inTransaction(tx -> increment(tx, 1), updated -> true);
        assertThat(value(1)).isEqualTo(1);
    }

    @Test
    void beforeCommitWorkRunsOnceAsTheLastStatementsAndCommitsWithTheWork() {
        AtomicInteger ran = new AtomicInteger();
        int seenByTheWork = transactions.inTransaction(tx -> {
            Transactions.beforeCommit("bump", () -> t -> {
                ran.incrementAndGet();
                increment(t, 2);
            });
            // the same key in the same transaction: the action registered first, not a second one
            Transactions.beforeCommit("bump", () -> t -> ran.addAndGet(100));
            increment(tx, 1);
            return tx.get("SELECT n FROM counters WHERE id = 2").orElseThrow().column("n").getInt();
        });
        assertThat(seenByTheWork).as("the action runs after the work").isZero();
        assertThat(ran).hasValue(1);
        assertThat(value(1)).isEqualTo(1);
        assertThat(value(2)).isEqualTo(1);
    }

    @Test
    void beforeCommitWorkIsDroppedWithARollbackAndItsFailureRollsTheWorkBack() {
        AtomicInteger ran = new AtomicInteger();
        transactions.inTransaction(tx -> {
            Transactions.beforeCommit("bump", () -> t -> ran.incrementAndGet());
            return false;
        }, kept -> kept);
        assertThatThrownBy(() -> transactions.inTransaction(tx -> {
            Transactions.beforeCommit("bump", () -> t -> ran.incrementAndGet());
            throw new IllegalStateException("the work failed");
        })).hasMessage("the work failed");
        assertThat(ran).as("refused or failed: never run").hasValue(0);

        assertThatThrownBy(() -> transactions.inTransaction(tx -> {
            increment(tx, 1);
            Transactions.beforeCommit("dup", () -> t -> t.insert("INSERT INTO counters (id, n) VALUES (2, 0)"));
            return null;
        })).isInstanceOf(DbClientException.class);
        assertThat(value(1)).as("the work rolled back with its action").isZero();
        assertThatThrownBy(() -> Transactions.beforeCommit("bump", () -> t -> { }))
                .as("outside a transaction nobody would run it").isInstanceOf(IllegalStateException.class);
    }

    @Test
    void afterCommitWorkRunsOnceAfterTheCommitAndNeverAfterARollback() {
        AtomicInteger ran = new AtomicInteger();
        Runnable bump = ran::incrementAndGet;
        int seenInTheTransaction = transactions.inTransaction(tx -> {
            Transactions.afterCommit(bump);
            Transactions.afterCommit(bump);   // the same action twice: once
            return ran.get();
        });
        assertThat(seenInTheTransaction).as("not before the commit").isZero();
        assertThat(ran).hasValue(1);
        transactions.inTransaction(tx -> {
            Transactions.afterCommit(bump);
            return false;
        }, kept -> kept);
        assertThat(ran).as("rolled back: not run").hasValue(1);
        // e.g. a cache's new generation registered by a write made in a transaction of its own:
        // nobody would run it, and readers would keep the old value
        assertThatThrownBy(() -> Transactions.afterCommit(bump))
                .as("outside a transaction nobody would run it").isInstanceOf(IllegalStateException.class);
    }

    @Test
    void givesUpAfterMaxAttempts() {
        Transactions three = Transactions.create(database.client(), Config.just(ConfigSources.create(Map.of(
                "service.name", service, "db.transaction.max-attempts", "3",
                "db.transaction.retry-backoff", "PT0.001S"))));
        AtomicInteger runs = new AtomicInteger();
        RuntimeException deadlock = new DbClientException("victim",
                new SQLTransactionRollbackException("Deadlock found", "40001", 1213));
        assertThatThrownBy(() -> three.inTransaction(tx -> {
            runs.incrementAndGet();
            increment(tx, 1);
            throw deadlock;
        })).isSameAs(deadlock);
        assertThat(runs.get()).isEqualTo(3);
        assertThat(retries("deadlock")).isEqualTo(2);
        assertThat(value(1)).isZero();
    }

    @Test
    void classifiesTransientAndDeterministicFailures() {
        assertThat(TransientFailures.kind(new DbClientException("x", new SQLException("Deadlock", "40001", 1213))))
                .hasValue(TransientFailures.Kind.DEADLOCK);
        assertThat(TransientFailures.kind(new SQLTransactionRollbackException("Lock wait timeout", "40001", 1205)))
                .hasValue(TransientFailures.Kind.LOCK_WAIT_TIMEOUT);
        assertThat(TransientFailures.kind(new RuntimeException(new java.sql.SQLTransientConnectionException(
                "HikariPool-1 - Connection is not available, request timed out after 3000ms."))))
                .hasValue(TransientFailures.Kind.CONNECTION);
        assertThat(TransientFailures.kind(new SQLException("Communications link failure", "08S01", 0)))
                .hasValue(TransientFailures.Kind.CONNECTION);
        assertThat(TransientFailures.kind(new RuntimeException(new java.net.ConnectException("refused"))))
                .hasValue(TransientFailures.Kind.CONNECTION);
        assertThat(TransientFailures.isLockConflict(new SQLException("Deadlock", "40001", 1213))).isTrue();
        assertThat(TransientFailures.isLockConflict(new java.sql.SQLTransientConnectionException("pool"))).isFalse();
        assertThat(TransientFailures.isTransient(new DbClientException("dup",
                new SQLIntegrityConstraintViolationException("Duplicate entry", "23000", 1062)))).isFalse();
        assertThat(TransientFailures.isTransient(new SQLException("Table doesn't exist", "42S02", 1146))).isFalse();
        assertThat(TransientFailures.isTransient(new IllegalStateException("a bug"))).isFalse();
    }

    /** Seen for real: a pool whose database cannot be reached fails transient (connection), not as a bug. */
    @Test
    void anUnreachableDatabaseIsTransient() {
        var client = io.helidon.dbclient.DbClient.create(Config.just(ConfigSources.create(Map.of(
                "source", "jdbc", "connection.url", "jdbc:mysql://127.0.0.1:1/nowhere",
                "connection.username", "nobody", "connection.password", "x",
                "connection.connectionTimeout", "250", "connection.initializationFailTimeout", "-1"))));
        try {
            assertThatThrownBy(() -> Transactions.create(client, service).inTransaction(tx -> tx.get("SELECT 1")))
                    .satisfies(e -> assertThat(TransientFailures.kind(e)).hasValue(TransientFailures.Kind.CONNECTION));
        } finally {
            client.close();
        }
    }

    /**
     * Fault suite, kill-mariadb and stop-mariadb: a connection that breaks while a transaction
     * uses it (not one the pool cannot lend) answered 500. It is transient, so every route answers
     * 503 "try again", and it is not run again (the work may have reached the server).
     */
    @Test
    void aConnectionThatBreaksMidTransactionIsTransientAndAnswers503() {
        URI server = URI.create(account.url().substring("jdbc:".length()));
        try (TcpProxy proxy = TcpProxy.to(server.getHost(), server.getPort())) {
            var client = io.helidon.dbclient.DbClient.create(Config.just(ConfigSources.create(Map.of(
                    "source", "jdbc",
                    "connection.url", account.url().replace("//" + server.getAuthority() + "/", "//127.0.0.1:" + proxy.port() + "/"),
                    "connection.username", account.user(), "connection.password", account.password(),
                    "connection.connectionTimeout", "250", "connection.initializationFailTimeout", "-1"))));
            AtomicInteger runs = new AtomicInteger();
            try {
                assertThatThrownBy(() -> Transactions.create(client, service).inTransaction(tx -> {
                    runs.incrementAndGet();
                    tx.get("SELECT n FROM counters WHERE id = 1");
                    proxy.cut(); // the database dies while this transaction holds its connection
                    return tx.get("SELECT n FROM counters WHERE id = 2");
                })).satisfies(e -> {
                    assertThat(TransientFailures.kind(e)).hasValue(TransientFailures.Kind.CONNECTION);
                    assertThat(Problems.toProblem(e).status()).isEqualTo(503);
                });
                assertThat(runs).hasValue(1);
            } finally {
                client.close();
            }
        }
    }

    // takes row `mine`, waits until the other transaction holds `theirs`, then wants it too (first two runs only)
    private void lockInOrder(int mine, int theirs, CountDownLatch iHold, CountDownLatch theyHold, AtomicInteger runs) {
        transactions.inTransaction(tx -> {
            boolean handshake = runs.incrementAndGet() <= 2;
            increment(tx, mine);
            if (handshake) {
                iHold.countDown();
                await(theyHold);
            }
            increment(tx, theirs);
            return null;
        });
    }

    private static int increment(DbTransaction tx, int id) {
        return (int) tx.update("UPDATE counters SET n = n + 1 WHERE id = ?", id);
    }

    private static int value(int id) {
        return database.client().execute().get("SELECT n FROM counters WHERE id = ?", id).orElseThrow()
                .column("n").getInt();
    }

    private long retries(String reason) {
        return Metrics.globalRegistry()
                .counter(Transactions.RETRIES, List.of(Tag.create("service", service), Tag.create("reason", reason)))
                .map(Counter::count).orElse(-1L);
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the other transaction never took its lock");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void release(Connection holder) {
        try {
            holder.commit();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.kedai.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.RedisClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TestInfraTest {

    /** ./kedai test starts the servers once and names them in a file; a file that cannot serve is a clear error. */
    @Test
    void aServersFileIsReadAndABadOneIsRefusedClearly(@TempDir Path dir) throws IOException {
        InfraEndpoints running = TestInfra.get();
        Path file = dir.resolve("infra.properties");
        try (var out = Files.newBufferedWriter(file)) {
            running.toProperties().store(out, null);
        }
        assertThat(TestInfra.read(file)).isEqualTo(running);

        assertThatThrownBy(() -> TestInfra.read(dir.resolve("missing.properties")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("missing.properties")
                .hasMessageContaining("./kedai test");
        Path noRedis = dir.resolve("no-redis.properties");
        Files.writeString(noRedis, Files.readAllLines(file).stream().filter(l -> !l.toLowerCase().contains("redis"))
                .reduce("", (a, l) -> a + l + "\n"));
        assertThatThrownBy(() -> TestInfra.read(noRedis)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not name all of database, Redis and Kafka");
    }

    @Test
    void adminLogsInOverTcpAndSecurityIsOn() throws SQLException {
        InfraEndpoints infra = TestInfra.get();
        try (Connection c = DriverManager.getConnection(infra.jdbcUrl(""), infra.dbAdminUser(), infra.dbAdminPassword());
             Statement s = c.createStatement();
             ResultSet version = s.executeQuery("SELECT VERSION()")) {
            assertThat(version.next()).isTrue();
            assertThat(version.getString(1)).startsWith("11.4");
        }
        // With --skip-grant-tables any password would do; here a wrong one must be refused.
        assertThatThrownBy(() -> DriverManager.getConnection(infra.jdbcUrl(""), infra.dbAdminUser(), "wrong").close())
                .isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e).getErrorCode()).isEqualTo(1045));
    }

    @Test
    void newDatabaseGivesEachCallItsOwnSchemaAndUser() throws SQLException {
        DbAccount first = TestInfra.newDatabase("Some-Test");
        DbAccount second = TestInfra.newDatabase("Some-Test");
        assertThat(first.schema()).startsWith("kedai_some_test_").isNotEqualTo(second.schema());
        assertThat(first.user()).isNotEqualTo(second.user());
        try (Connection c = DriverManager.getConnection(first.url(), first.user(), first.password());
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (id INT PRIMARY KEY)");
            s.execute("INSERT INTO t VALUES (1)");
        }
        try (Connection c = DriverManager.getConnection(second.url(), second.user(), second.password());
             Statement s = c.createStatement();
             ResultSet tables = s.executeQuery("SHOW TABLES")) {
            assertThat(tables.next()).as("the second schema does not see the first one's table").isFalse();
        }
    }

    @Test
    void redisAnswers() {
        try (RedisClient redis = RedisClient.create(TestInfra.get().redisUrl())) {
            redis.set("kedai:test", "ok");
            assertThat(redis.get("kedai:test")).isEqualTo("ok");
        }
    }
}

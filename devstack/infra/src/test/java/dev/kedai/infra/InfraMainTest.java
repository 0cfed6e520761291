package dev.kedai.infra;

import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** InfraMain as {@code ./kedai test} runs it: a process of its own, stopped by closing its stdin. */
class InfraMainTest {

    @Test
    void writesTheStateFileWhenReadyAndStopsWhenStdinCloses() throws Exception {
        Path stateFile = Path.of("target", "infra-main-test", "infra.properties").toAbsolutePath();
        Files.deleteIfExists(stateFile);
        Process process = java("--state-file", stateFile.toString()).start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(stateFile) || !process.isAlive());
            assertThat(process.isAlive()).as("InfraMain is running").isTrue();
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(stateFile)) {
                properties.load(reader);
            }
            InfraEndpoints endpoints = InfraEndpoints.fromProperties(properties);
            try (RedisClient redis = RedisClient.create(endpoints.redisUrl())) {
                assertThat(redis.ping()).isEqualTo("PONG");
            }
            DbAccount account = Databases.ensure(endpoints, "maintest", "pw");
            assertThat(account.url()).isEqualTo(endpoints.jdbcUrl("kedai_maintest"));
            List<ProcessHandle> servers = process.descendants().toList();
            assertThat(servers).as("mariadbd and redis-server").hasSizeGreaterThanOrEqualTo(2);

            process.getOutputStream().close();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("stopped after stdin closed").isTrue();
            assertThat(process.exitValue()).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> servers.stream().noneMatch(ProcessHandle::isAlive));
            assertThat(stateFile).doesNotExist();
        } finally {
            process.destroyForcibly();
        }
    }

    /** Issue 18: SIGKILL runs no shutdown hook, yet no server may outlive InfraMain. */
    @Test
    void noServerOutlivesASigkilledInfraMain() throws Exception {
        Path stateFile = Path.of("target", "infra-main-test", "killed.properties").toAbsolutePath();
        Files.deleteIfExists(stateFile);
        Process process = java("--state-file", stateFile.toString(), "--ignore-stdin").start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(stateFile) || !process.isAlive());
            assertThat(process.isAlive()).as("InfraMain is running").isTrue();
            Map<Long, String> servers = ProcessTable.now().descendantsOf(process.pid());
            assertThat(servers.values()).as("ps lists mariadbd, redis-server and the broker's JVM")
                    .anyMatch(c -> c.contains("mariadbd"))
                    .anyMatch(c -> c.contains("redis-server"))
                    .anyMatch(c -> c.contains(KafkaMain.class.getName()));

            process.destroyForcibly();   // SIGKILL

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                ProcessTable after = ProcessTable.now();
                assertThat(servers).as("still listed by ps").allSatisfy((pid, command) ->
                        assertThat(after.contains(pid) && command.equals(after.commands().get(pid))).isFalse());
            });
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void aTakenPortIsOneLineAndExitCodeOne() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Process process = java("--mariadb-port", Integer.toString(busy.getLocalPort()), "--ignore-stdin")
                    .redirectErrorStream(false).start();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isEqualTo(1);
            String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(stderr.lines().filter(l -> !l.startsWith("WARNING")).toList()).containsExactly(
                    "kedai infra: port " + busy.getLocalPort()
                            + " (MariaDB) is already in use; set --mariadb-port or stop the other server");
        }
    }

    private static ProcessBuilder java(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), InfraMain.class.getName()));
        command.addAll(List.of(args));
        Path log = Files.createDirectories(Path.of("target", "infra-main-test")).resolve("out.log");
        return new ProcessBuilder(command).redirectOutput(log.toFile());
    }
}

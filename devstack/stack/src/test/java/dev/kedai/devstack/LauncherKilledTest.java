package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.kedai.infra.KafkaMain;
import dev.kedai.infra.ProcessTable;
import org.junit.jupiter.api.Test;

/**
 * Issue 18: no process of the stack survives the launcher, however it ends. SIGKILL runs no
 * shutdown hook, so the children must go by themselves; {@code ps} before and after says whether
 * they did.
 */
class LauncherKilledTest {

    @Test
    void noProcessOfTheStackSurvivesALauncherKilledWithSigkill() throws Exception {
        Path root = StackConfig.findRepoRoot(Path.of("")).orElseThrow();
        Path dir = Path.of("target", "launcher-killed").toAbsolutePath();
        delete(dir);
        Path console = Files.createDirectories(dir).resolve("console.log");
        List<String> command = new ArrayList<>(List.of(JvmOptions.javaBinary().toString()));
        command.addAll(JvmOptions.forService("128m"));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "up",
                "--root", root.toString(), "--data-dir", dir.resolve("state").toString(), "--service-heap", "128m",
                "--topic-partitions", "1"));
        command.addAll(FreePortArgs.all());
        Process launcher = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(console.toFile()).start();
        try {
            await().atMost(Duration.ofMinutes(4)).until(() -> !launcher.isAlive()
                    || Files.readString(console).contains("Ctrl-C here, or ./kedai down, stops everything."));
            assertThat(launcher.isAlive()).as("the launcher is up (console: %s)", console).isTrue();
            Map<Long, String> stack = ProcessTable.now().descendantsOf(launcher.pid());
            assertThat(stack.values()).as("ps lists the whole stack below the launcher")
                    .anyMatch(c -> c.contains("mariadbd"))
                    .anyMatch(c -> c.contains("redis-server"))
                    .anyMatch(c -> c.contains(KafkaMain.class.getName()))
                    .anyMatch(c -> c.contains("kedai-cartorder.jar"))
                    .anyMatch(c -> c.contains("kedai-stock.jar"))
                    .anyMatch(c -> c.contains("kedai-auth.jar"))
                    .anyMatch(c -> c.contains("kedai-user.jar"))
                    .anyMatch(c -> c.contains("kedai-product.jar"));

            launcher.destroyForcibly();   // SIGKILL: no shutdown hook runs

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                ProcessTable after = ProcessTable.now();
                assertThat(stack).as("still listed by ps after the launcher was killed").allSatisfy((pid, cmd) ->
                        assertThat(after.contains(pid) && cmd.equals(after.commands().get(pid))).isFalse());
            });
        } finally {
            launcher.destroyForcibly();
        }
    }

    private static void delete(Path dir) throws java.io.IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}

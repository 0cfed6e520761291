package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kedai.infra.ProcessTable;
import org.junit.jupiter.api.Test;

/**
 * Issue 24: {@code ./kedai up --search opensearch} starts an OpenSearch node beside the other
 * servers, points the product service at it, indexes the demo catalog, and stops the node with
 * the stack; {@code ./kedai search reindex} rebuilds the index of that running stack. The launcher
 * runs as a process of its own, as a user starts it.
 */
class OpenSearchLauncherTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void upWithOpenSearchSearchesTheDemoCatalogThereAndReindexAndStopLeaveNothingBehind() throws Exception {
        Path root = StackConfig.findRepoRoot(Path.of("")).orElseThrow();
        Path dir = Path.of("target", "opensearch-launcher").toAbsolutePath();
        delete(dir);
        Path console = Files.createDirectories(dir).resolve("console.log");
        List<Integer> searchPorts = Ports.pickFree(2);
        List<String> options = new ArrayList<>(List.of("--root", root.toString(), "--data-dir", dir.resolve("state").toString(),
                "--service-heap", "128m", "--topic-partitions", "1", "--trace-sampling", "off",
                "--search", "opensearch", "--search-port", String.valueOf(searchPorts.get(0)),
                "--search-transport-port", String.valueOf(searchPorts.get(1))));
        List<String> freePorts = FreePortArgs.all();
        options.addAll(freePorts);
        URI edge = URI.create("http://127.0.0.1:" + freePorts.get(freePorts.indexOf("--edge-port") + 1));
        URI search = URI.create("http://127.0.0.1:" + searchPorts.get(0));

        Process launcher = launcher("up", options).redirectOutput(console.toFile()).start();
        try {
            await().atMost(Duration.ofMinutes(5)).until(() -> !launcher.isAlive()
                    || Files.readString(console).contains("Ctrl-C here, or ./kedai down, stops everything."));
            assertThat(launcher.isAlive()).as("the launcher is up (console: %s)", console).isTrue();
            assertThat(Files.readString(console)).contains("OpenSearch ready at " + search)
                    .contains("search index: kedai-products now points at");
            Map<Long, String> node = ProcessTable.now().descendantsOf(launcher.pid()).entrySet().stream()
                    .filter(e -> e.getValue().contains("org.opensearch.bootstrap.OpenSearch"))
                    .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
            assertThat(node).as("the OpenSearch node runs below the launcher").isNotEmpty();

            int demo = DemoCatalog.items().size();
            assertThat(get(search.resolve("/kedai-products/_count")).path("count").asInt())
                    .as("every demo product is in the index").isEqualTo(demo);

            long queriesBefore = queries(search);
            JsonNode found = get(edge.resolve("/products?q=kopi&size=5"));
            assertThat(found.path("items")).as("a search through the edge finds the demo coffee").isNotEmpty();
            assertThat(queries(search)).as("the product service asked OpenSearch").isGreaterThan(queriesBefore);

            Path reindexLog = dir.resolve("reindex.log");
            Process reindex = launcher("search", prepend("reindex", options)).redirectOutput(reindexLog.toFile()).start();
            assertThat(reindex.waitFor()).as("./kedai search reindex exits 0 (%s)", reindexLog).isZero();
            assertThat(Files.readString(reindexLog)).contains("kedai-products now points at").contains(String.format("%,d products", demo));
            assertThat(get(search.resolve("/kedai-products/_count")).path("count").asInt()).isEqualTo(demo);

            launcher.destroy();   // SIGTERM, as Ctrl-C
            assertThat(launcher.waitFor(90, java.util.concurrent.TimeUnit.SECONDS)).as("the launcher stops").isTrue();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                ProcessTable after = ProcessTable.now();
                assertThat(node.keySet()).as("the OpenSearch node is gone").noneMatch(after::contains);
            });
            assertThat(listening(searchPorts.get(0))).as("nothing listens on the search port").isFalse();
        } finally {
            launcher.destroyForcibly();
        }
    }

    private static ProcessBuilder launcher(String command, List<String> options) {
        List<String> argv = new ArrayList<>(List.of(JvmOptions.javaBinary().toString()));
        argv.addAll(JvmOptions.forService("128m"));
        for (String property : List.of("kedai.opensearch", "kedai.analysis-common")) {
            argv.add("-D" + property + "=" + System.getProperty(property));
        }
        argv.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), command));
        argv.addAll(options);
        return new ProcessBuilder(argv).redirectErrorStream(true);
    }

    private static List<String> prepend(String first, List<String> rest) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(rest);
        return all;
    }

    private static long queries(URI search) throws Exception {
        long total = 0;
        for (JsonNode node : get(search.resolve("/_nodes/stats/indices/search")).path("nodes")) {
            total += node.path("indices").path("search").path("query_total").asLong();
        }
        return total;
    }

    private static JsonNode get(URI uri) throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as("GET %s: %s", uri, answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body());
    }

    private static boolean listening(int port) {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void delete(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}

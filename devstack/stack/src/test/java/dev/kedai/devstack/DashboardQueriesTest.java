package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboards of the Helm chart (helm/kedai/dashboards/*.json) against the metrics the
 * services really expose: Debian's Prometheus on loopback scrapes every service's admin port
 * (job {@code kedai-<service>}, as the chart's ServiceMonitors name them), some traffic goes to
 * every service, then EVERY panel query is evaluated through Prometheus' HTTP API and must
 * return at least one series. A panel on a metric no service exposes fails here.
 */
@ExtendWith(StackFixture.class)
class DashboardQueriesTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyDashboardPanelReturnsSeries(Stack stack, @TempDir Path dir) throws Exception {
        Optional<Path> prometheus = onPath("prometheus");
        // CI installs Debian's prometheus package (.ci/run); elsewhere the check needs it too
        if (System.getenv("CI") == null) {
            assumeTrue(prometheus.isPresent(), "prometheus is not installed (apt-get install prometheus)");
        }
        assertThat(prometheus).as("prometheus binary (Debian package prometheus)").isPresent();
        Map<String, String> queries = panelQueries(stack.spec().repoRoot().resolve("helm/kedai/dashboards"));
        assertThat(queries).as("panel queries").hasSizeGreaterThan(10);
        // the business series exist from the start (zero); this one proves a counter really moves
        queries.put("traffic / product reads counted as cache lookups",
                "sum(kedai_product_cache_lookups_total{job=\"kedai-product\"}) > 0");

        int port = freePort();
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, scrapeConfig(stack));
        Process process = new ProcessBuilder(prometheus.get().toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--storage.tsdb.retention.time=1h")
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        Map<String, String> empty = new LinkedHashMap<>(queries);
        try {
            URI api = URI.create("http://127.0.0.1:" + port + "/api/v1/query");
            // rate() needs two scrapes after the first request: keep some traffic flowing until
            // every panel has series, or the time is up (then the assertion lists the empty ones)
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2))
                    .ignoreExceptionsMatching(e -> e instanceof IOException)
                    .until(() -> {
                        traffic(stack);
                        empty.entrySet().removeIf(q -> {
                            try {
                                return seriesCount(api, q.getValue()) > 0;
                            } catch (IOException | InterruptedException e) {
                                return false;
                            }
                        });
                        return empty.isEmpty();
                    });
        } catch (ConditionTimeoutException e) {
            // reported by the assertion below, with every query that stayed empty
        } finally {
            process.destroy();
            process.onExit().get();
        }
        assertThat(empty).as("dashboard panels whose query returned no series (a metric the services do not expose?)").isEmpty();
    }

    private static String scrapeConfig(Stack stack) {
        StringBuilder yaml = new StringBuilder("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n");
        for (KedaiService service : KedaiService.values()) {
            yaml.append("  - job_name: kedai-").append(service.id()).append('\n')
                    .append("    metrics_path: /observe/metrics\n")
                    .append("    static_configs:\n      - targets: [\"127.0.0.1:").append(stack.ports(service).admin()).append("\"]\n");
        }
        return yaml.toString();
    }

    /**
     * A little of every kind of answer the RED panels show: 2xx (OpenAPI) and 4xx (unknown path),
     * and a product read (a cache lookup). The business counters (orders, reservations, cache
     * lookups, events consumed) and the outbox backlog are registered at start with every label
     * value, so their panels have series before the first order; this test proves the names match.
     */
    private static void traffic(Stack stack) throws IOException, InterruptedException {
        for (KedaiService service : KedaiService.values()) {
            List<String> paths = service == KedaiService.PRODUCT
                    ? List.of("/openapi", "/no-such-path", "/products/" + java.util.UUID.randomUUID())
                    : List.of("/openapi", "/openapi", "/no-such-path");
            for (String path : paths) {
                HTTP.send(HttpRequest.newBuilder(stack.httpUri(service).resolve(path)).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.discarding());
            }
        }
    }

    private static int seriesCount(URI api, String query) throws IOException, InterruptedException {
        URI uri = URI.create(api + "?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(response.body());
        if (!"success".equals(body.path("status").asText())) {
            throw new AssertionError("query failed: " + query + ": " + body.path("error").asText());
        }
        return body.path("data").path("result").size();
    }

    /** "dashboard / panel / refId" to the PromQL of every target of every panel. */
    static Map<String, String> panelQueries(Path dashboards) throws IOException {
        Map<String, String> queries = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(dashboards)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                JsonNode dashboard = JSON.readTree(file.toFile());
                for (JsonNode panel : dashboard.path("panels")) {
                    for (JsonNode target : panel.path("targets")) {
                        queries.put(file.getFileName() + " / " + panel.path("title").asText() + " / " + target.path("refId").asText(),
                                target.path("expr").asText());
                    }
                }
            }
        }
        return queries;
    }

    private static Optional<Path> onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir, command);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

package dev.kedai.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PrometheusRule passes {@code promtool check rules} (Debian's prometheus package, installed
 * by .ci/run), and every dashboard ships as a grafana_dashboard ConfigMap with queries scoped to
 * its service. Whether the queries find the services' real metrics is DashboardQueriesTest's job
 * (devstack/stack), which runs Prometheus against the running services.
 */
class MonitoringTest {
    static final List<String> SERVICES = PolicyTest.SERVICES;

    @Test
    void alertRulesPassPromtool(@TempDir Path dir) throws Exception {
        Rendered.Manifest rule = ChartRenderer.render(Profile.HA).get("PrometheusRule", "kedai-alerts");
        Path rules = dir.resolve("rules.yaml");
        ChartRenderer.YAML.writeValue(rules.toFile(), rule.object().path("spec"));

        Process p = new ProcessBuilder(promtool(), "check", "rules", rules.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(p.exitValue()).as("promtool check rules:\n%s", output).isZero();
        assertThat(output).contains("SUCCESS");
    }

    /**
     * promtool's unit tests (src/test/resources/alerts-test.yaml): every alert fires on a synthetic
     * series of a failing service and stays silent on a healthy one. The rules are the rendered
     * ones without annotations (promtool compares annotations too, and their texts are not what
     * is under test here; `check rules` above validates their templates).
     */
    @Test
    void everyAlertFiresOnAFailureAndStaysSilentWhenHealthy(@TempDir Path dir) throws Exception {
        JsonNode spec = ChartRenderer.render(Profile.HA).get("PrometheusRule", "kedai-alerts").object().path("spec").deepCopy();
        List<String> alerts = new ArrayList<>();
        spec.path("groups").forEach(g -> g.path("rules").forEach(r -> {
            ((com.fasterxml.jackson.databind.node.ObjectNode) r).remove("annotations");
            alerts.add(r.path("alert").asText());
        }));
        ChartRenderer.YAML.writeValue(dir.resolve("rules.yaml").toFile(), spec);
        Path tests = dir.resolve("alerts-test.yaml");
        Files.copy(Path.of(MonitoringTest.class.getResource("/alerts-test.yaml").toURI()), tests);
        String testText = Files.readString(tests);
        for (String alert : alerts) {
            assertThat(testText).as("a firing and a silent case of %s", alert).contains("alertname: " + alert + "\n", "alertname: " + alert + ",");
        }

        Process p = new ProcessBuilder(promtool(), "test", "rules", tests.toString()).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("promtool test rules:\n%s", output).isZero();
        assertThat(output).contains("SUCCESS");
    }

    @Test
    void promtoolRejectsABrokenRule(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, "groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: sum by (job (up)\n");
        Process p = new ProcessBuilder(promtool(), "check", "rules", rules.toString()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isNotZero();
    }

    @Test
    void alertsCoverErrorsLatencyLagBacklogAvailability() {
        JsonNode groups = ChartRenderer.render(Profile.HA).get("PrometheusRule", "kedai-alerts").object().path("spec").path("groups");
        List<String> alerts = new ArrayList<>();
        groups.forEach(g -> g.path("rules").forEach(r -> alerts.add(r.path("alert").asText())));
        assertThat(alerts).contains("KedaiHighErrorRatio", "KedaiHighP99Latency", "KedaiConsumerLag", "KedaiOutboxBacklog",
                "KedaiPodsNotReady", "KedaiTargetDown");
        // scoped to the release's namespace: two releases in one Prometheus never fire each other's alerts
        groups.forEach(g -> g.path("rules").forEach(r ->
                assertThat(r.path("expr").asText()).as(r.path("alert").asText()).contains("namespace=\"kedai\"")));
        groups.forEach(g -> g.path("rules").forEach(r -> {
            assertThat(r.path("labels").path("severity").asText()).as(r.path("alert").asText()).isNotBlank();
            assertThat(r.path("annotations").path("summary").asText()).isNotBlank();
        }));
    }

    @Test
    void everyDashboardIsAGrafanaConfigMapScopedToItsService() throws IOException {
        Rendered rendered = ChartRenderer.render(Profile.DEFAULTS);
        ObjectMapper json = new ObjectMapper();
        for (String dashboard : concat(SERVICES, "overview")) {
            Rendered.Manifest cm = rendered.get("ConfigMap", "kedai-dashboard-" + dashboard);
            assertThat(cm.labels().path("grafana_dashboard").asText()).isEqualTo("1");
            JsonNode d = json.readTree(cm.object().path("data").path(dashboard + ".json").asText());
            assertThat(d.path("uid").asText()).isEqualTo("kedai-" + dashboard);
            List<String> exprs = new ArrayList<>();
            d.path("panels").forEach(p -> p.path("targets").forEach(t -> exprs.add(t.path("expr").asText())));
            assertThat(exprs).isNotEmpty();
            String scope = dashboard.equals("overview") ? "job=~\"kedai-.+\"" : "job=\"kedai-" + dashboard + "\"";
            assertThat(exprs).allSatisfy(e -> assertThat(e).contains(scope));
            if (!dashboard.equals("overview")) {
                // RED per route, JVM, DB pool
                assertThat(String.join("\n", exprs)).contains("kedai_http_requests_total", "kedai_http_errors_total",
                        "http_server_requests_seconds_bucket", "by (le, route)", "memory_usedHeap_bytes", "_pool_ActiveConnections");
            }
        }
    }

    private static List<String> concat(List<String> list, String one) {
        List<String> all = new ArrayList<>(list);
        all.add(one);
        return all;
    }

    private static String promtool() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, "promtool"))) {
                return Path.of(dir, "promtool").toString();
            }
        }
        throw new AssertionError("promtool is missing: install Debian's prometheus package (apt-get install prometheus; .ci/run does)");
    }
}

package dev.kedai.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * kube-score-style checks on the rendered objects: what a reviewer of the chart would check by
 * eye, for every workload and every profile.
 */
class PolicyTest {
    static final List<String> SERVICES = List.of("auth", "user", "product", "stock", "cartorder");
    static final List<String> RECOMMENDED_LABELS = List.of("app.kubernetes.io/name", "app.kubernetes.io/instance",
            "app.kubernetes.io/version", "app.kubernetes.io/component", "app.kubernetes.io/part-of",
            "app.kubernetes.io/managed-by");
    static final Set<String> WORKLOADS = Set.of("Deployment", "StatefulSet", "Job", "Pod");

    @ParameterizedTest
    @EnumSource(Profile.class)
    void everyObjectHasTheRecommendedLabels(Profile profile) {
        for (Rendered.Manifest m : ChartRenderer.render(profile).manifests()) {
            for (String label : RECOMMENDED_LABELS) {
                assertThat(m.labels().path(label).asText()).as("%s label %s", m, label).isNotBlank();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Profile.class)
    void everyContainerIsLockedDownAndBounded(Profile profile) {
        List<String> problems = new ArrayList<>();
        for (Rendered.Manifest m : workloads(ChartRenderer.render(profile))) {
            JsonNode pod = podSpec(m);
            JsonNode podSecurity = pod.path("securityContext");
            check(problems, podSecurity.path("runAsNonRoot").asBoolean(), m, "pod runAsNonRoot");
            check(problems, "RuntimeDefault".equals(podSecurity.path("seccompProfile").path("type").asText()), m, "seccomp RuntimeDefault");
            check(problems, !pod.path("automountServiceAccountToken").asBoolean(true), m, "automountServiceAccountToken false");
            for (JsonNode c : pod.path("containers")) {
                String name = m + "/" + c.path("name").asText();
                JsonNode sc = c.path("securityContext");
                check(problems, !sc.path("allowPrivilegeEscalation").asBoolean(true), name, "allowPrivilegeEscalation false");
                check(problems, sc.path("readOnlyRootFilesystem").asBoolean(), name, "readOnlyRootFilesystem");
                check(problems, texts(sc.path("capabilities").path("drop")).contains("ALL"), name, "capabilities drop ALL");
                check(problems, !sc.path("privileged").asBoolean(false), name, "not privileged");
                for (String kind : List.of("requests", "limits")) {
                    for (String resource : List.of("cpu", "memory")) {
                        check(problems, !c.path("resources").path(kind).path(resource).asText().isBlank(), name, kind + "." + resource);
                    }
                }
                check(problems, c.path("image").asText().matches(".+:[^:/]+$") && !c.path("image").asText().endsWith(":latest"),
                        name, "image with a pinned tag");
                Set<String> ports = new HashSet<>(texts(c.path("ports"), "name"));
                for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                    JsonNode port = c.path(probe).path("httpGet").path("port");
                    if (port.isMissingNode()) {
                        port = c.path(probe).path("tcpSocket").path("port");
                    }
                    if (port.isTextual()) {
                        check(problems, ports.contains(port.asText()), name, probe + " port " + port.asText() + " is a container port");
                    }
                }
                if (!m.kind().equals("Job") && !m.kind().equals("Pod")) {
                    check(problems, c.has("livenessProbe") && c.has("readinessProbe"), name, "liveness and readiness probes");
                    check(problems, !c.path("livenessProbe").equals(c.path("readinessProbe")), name, "liveness differs from readiness");
                }
            }
        }
        assertThat(problems).as("policy violations (%s)", profile).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Profile.class)
    void servicesRunAsUnprivilegedUsersWithThreeDistinctAdminProbes(Profile profile) {
        Rendered rendered = ChartRenderer.render(profile);
        for (String service : SERVICES) {
            Rendered.Manifest d = rendered.get("Deployment", rendered.service(service));
            JsonNode pod = podSpec(d);
            JsonNode c = pod.path("containers").get(0);
            assertThat(pod.path("securityContext").path("runAsUser").asInt()).as("%s pod runAsUser", d).isGreaterThanOrEqualTo(10000);
            assertThat(c.path("securityContext").path("runAsUser").asInt()).as("%s runAsUser", d).isGreaterThanOrEqualTo(10000);
            assertThat(texts(c.path("ports"), "name")).as("%s ports", d).containsExactly("http", "grpc", "admin");
            assertThat(c.path("startupProbe").path("httpGet").path("path").asText()).isEqualTo("/observe/health/started");
            assertThat(c.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/observe/health/live");
            assertThat(c.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/observe/health/ready");
            for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                assertThat(c.path(probe).path("httpGet").path("port").asText()).as("%s %s port", d, probe).isEqualTo("admin");
            }
            // the root filesystem is read-only: the JVM's /tmp is an emptyDir
            String tmpVolume = StreamSupport.stream(c.path("volumeMounts").spliterator(), false)
                    .filter(v -> v.path("mountPath").asText().equals("/tmp")).map(v -> v.path("name").asText())
                    .findFirst().orElseThrow(() -> new AssertionError(d + " mounts nothing at /tmp"));
            assertThat(StreamSupport.stream(pod.path("volumes").spliterator(), false)
                    .filter(v -> v.path("name").asText().equals(tmpVolume)).findFirst().orElseThrow().has("emptyDir")).isTrue();
            assertThat(c.path("resources").path("limits").path("memory").asText()).isNotBlank();
            String javaOptions = rendered.get("ConfigMap", rendered.service(service)).object().path("data").path("JAVA_TOOL_OPTIONS").asText();
            assertThat(javaOptions).as("JVM sized from the container limit").contains("-XX:MaxRAMPercentage=");
            assertThat(javaOptions).doesNotContain("-Xmx");
        }
    }

    @ParameterizedTest
    @EnumSource(Profile.class)
    void selectorsMatchTheirPodsAndPortNamesExist(Profile profile) {
        Rendered rendered = ChartRenderer.render(profile);
        List<Rendered.Manifest> workloads = workloads(rendered);
        for (Rendered.Manifest w : workloads) {
            if (w.kind().equals("Deployment") || w.kind().equals("StatefulSet")) {
                assertThat(matches(w.object().path("spec").path("selector").path("matchLabels"), podLabels(w)))
                        .as("%s selector matches its pod template", w).isTrue();
            }
        }
        for (Rendered.Manifest s : rendered.ofKind("Service")) {
            List<Rendered.Manifest> selected = workloads.stream()
                    .filter(w -> matches(s.object().path("spec").path("selector"), podLabels(w))).toList();
            assertThat(selected).as("%s selects exactly one workload", s).hasSize(1);
            Set<String> containerPorts = new HashSet<>();
            podSpec(selected.get(0)).path("containers").forEach(c -> containerPorts.addAll(texts(c.path("ports"), "name")));
            for (JsonNode port : s.object().path("spec").path("ports")) {
                assertThat(containerPorts).as("%s targetPort", s).contains(port.path("targetPort").asText());
            }
        }
        for (String kind : List.of("NetworkPolicy", "PodDisruptionBudget")) {
            for (Rendered.Manifest p : rendered.ofKind(kind)) {
                JsonNode selector = kind.equals("NetworkPolicy") ? p.object().path("spec").path("podSelector").path("matchLabels")
                        : p.object().path("spec").path("selector").path("matchLabels");
                assertThat(workloads.stream().filter(w -> matches(selector, podLabels(w)))).as("%s selects a workload", p).isNotEmpty();
            }
        }
        for (Rendered.Manifest hpa : rendered.ofKind("HorizontalPodAutoscaler")) {
            rendered.get("Deployment", hpa.object().path("spec").path("scaleTargetRef").path("name").asText());
        }
        for (Rendered.Manifest sm : rendered.ofKind("ServiceMonitor")) {
            JsonNode selector = sm.object().path("spec").path("selector").path("matchLabels");
            Rendered.Manifest service = rendered.ofKind("Service").stream()
                    .filter(s -> matches(selector, s.labels())).findFirst()
                    .orElseThrow(() -> new AssertionError(sm + " selects no Service"));
            assertThat(texts(service.object().path("spec").path("ports"), "name"))
                    .contains(sm.object().path("spec").path("endpoints").get(0).path("port").asText());
            assertThat(sm.object().path("spec").path("endpoints").get(0).path("port").asText()).isEqualTo("admin");
        }
    }

    @ParameterizedTest
    @EnumSource(Profile.class)
    void everyServiceHasANetworkPolicy(Profile profile) {
        Rendered rendered = ChartRenderer.render(profile);
        for (String service : SERVICES) {
            Rendered.Manifest d = rendered.get("Deployment", rendered.service(service));
            assertThat(rendered.ofKind("NetworkPolicy").stream()
                    .filter(p -> matches(p.object().path("spec").path("podSelector").path("matchLabels"), podLabels(d))))
                    .as("NetworkPolicy for %s", d).hasSize(1);
        }
    }

    /**
     * Defect 2: the kubelet probes the pod's IP, so a probe on a port the process binds to
     * localhost only is refused and restarts the container again and again.
     */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void everyTcpProbeTargetsAPortBoundOnEveryInterface(Profile profile) {
        Rendered rendered = ChartRenderer.render(profile);
        rendered.find("ConfigMap", "kedai-kafka").ifPresent(config -> {
            Set<Integer> everyInterface = new HashSet<>();
            for (String line : config.object().path("data").path("server.properties").asText().split("\n")) {
                if (line.startsWith("listeners=")) {
                    for (String listener : line.substring("listeners=".length()).split(",")) {
                        String hostPort = listener.substring(listener.indexOf("://") + 3);
                        String host = hostPort.substring(0, hostPort.lastIndexOf(':'));
                        if (host.isEmpty() || host.equals("0.0.0.0") || host.equals("[::]")) {
                            everyInterface.add(Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1)));
                        }
                    }
                }
            }
            JsonNode container = podSpec(rendered.get("StatefulSet", "kedai-kafka")).path("containers").get(0);
            for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
                JsonNode port = container.path(probe).path("tcpSocket").path("port");
                if (!port.isMissingNode()) {
                    int number = port.isInt() ? port.asInt() : StreamSupport.stream(container.path("ports").spliterator(), false)
                            .filter(p -> p.path("name").asText().equals(port.asText())).findFirst().orElseThrow()
                            .path("containerPort").asInt();
                    assertThat(everyInterface).as("kafka %s port %s is bound on the pod's address", probe, port).contains(number);
                }
            }
        });
        for (String service : SERVICES) {
            var config = ServiceConfigTest.serviceConfig(rendered, service, java.util.Map.of());
            assertThat(config.get("server.host").asString().get()).as("%s http host", service).isEqualTo("0.0.0.0");
            assertThat(config.get("server.sockets.0.host").asString().get()).as("%s admin host (probes)", service).isEqualTo("0.0.0.0");
        }
    }

    @Test
    void haHasReplicasPdbHpaAndAntiAffinityForEveryService() {
        Rendered rendered = ChartRenderer.render(Profile.HA);
        for (String service : SERVICES) {
            Rendered.Manifest d = rendered.get("Deployment", "kedai-" + service);
            JsonNode hpa = rendered.get("HorizontalPodAutoscaler", "kedai-" + service).object().path("spec");
            assertThat(hpa.path("minReplicas").asInt()).isGreaterThanOrEqualTo(2);
            assertThat(hpa.path("metrics").get(0).path("resource").path("name").asText()).isEqualTo("cpu");
            assertThat(rendered.ofKind("PodDisruptionBudget").stream()
                    .filter(p -> matches(p.object().path("spec").path("selector").path("matchLabels"), podLabels(d))))
                    .as("PDB for %s", d).hasSize(1);
            assertThat(podSpec(d).path("affinity").path("podAntiAffinity").isMissingNode()).as("%s anti-affinity", d).isFalse();
            assertThat(rendered.find("ServiceMonitor", "kedai-" + service)).isPresent();
        }
        assertThat(rendered.ofKind("StatefulSet")).as("ha runs no in-chart database or broker").isEmpty();
        assertThat(rendered.ofKind("PrometheusRule")).hasSize(1);
    }

    /**
     * The connection budget docs/deploy.md asks of an external MySQL in ha is the one the chart
     * renders: per service (maxReplicas + the rollout's surge pod) x (request + background pool),
     * all five services on one server. A chart change that raises it must change the doc.
     */
    @Test
    void haConnectionBudgetInTheDocsCoversEveryPodTheAutoscalerAndARolloutMayRun() {
        Rendered rendered = ChartRenderer.render(Profile.HA);
        int total = 0;
        String perService = null;
        for (String service : SERVICES) {
            JsonNode hpa = rendered.get("HorizontalPodAutoscaler", "kedai-" + service).object().path("spec");
            JsonNode surge = rendered.get("Deployment", "kedai-" + service).object().path("spec").path("strategy")
                    .path("rollingUpdate").path("maxSurge");
            var config = ServiceConfigTest.serviceConfig(rendered, service, java.util.Map.of());
            int pods = hpa.path("maxReplicas").asInt() + surge.asInt();
            int perPod = config.get("db.connection.maximumPoolSize").asInt().get()
                    + config.get("db.background.maximumPoolSize").asInt().get();
            total += pods * perPod;
            perService = pods + " x " + perPod;
        }
        String budget = perService + " x 5 = " + total;
        assertThat(ChartRenderer.read(Repo.root().resolve("docs/deploy.md"))).contains(budget);
        assertThat(ChartRenderer.read(Repo.root().resolve("helm/kedai/values-ha.yaml"))).contains(budget);
    }

    @Test
    void minimalRunsOneReplicaOfEachServiceAndTheInfrastructure() {
        Rendered rendered = ChartRenderer.render(Profile.MINIMAL);
        for (String service : SERVICES) {
            assertThat(rendered.get("Deployment", "kedai-" + service).object().path("spec").path("replicas").asInt()).isEqualTo(1);
        }
        assertThat(rendered.ofKind("StatefulSet")).extracting(Rendered.Manifest::name).containsExactlyInAnyOrder("kedai-mysql", "kedai-kafka");
        rendered.get("Deployment", "kedai-redis");
        assertThat(rendered.ofKind("HorizontalPodAutoscaler")).isEmpty();
    }

    @Test
    void helmTestCallsEveryServicesReadinessThroughItsService() {
        Rendered rendered = ChartRenderer.render(Profile.DEFAULTS);
        Rendered.Manifest test = rendered.get("Pod", "kedai-test-readiness");
        assertThat(test.labels().path("app.kubernetes.io/component").asText()).isEqualTo("test");
        assertThat(ChartRenderer.read(Repo.chart().resolve("templates/tests.yaml"))).contains("helm.sh/hook: test");
        String script = String.join("\n", texts(podSpec(test).path("containers").get(0).path("args")));
        for (String service : SERVICES) {
            int admin = rendered.get("Service", "kedai-" + service).object().path("spec").path("ports").get(2).path("port").asInt();
            assertThat(script).contains("http://kedai-" + service + ":" + admin + "/observe/health/ready");
        }
        // the test pod may reach the admin ports
        assertThat(rendered.get("NetworkPolicy", "kedai-stock").object().toString()).contains("\"app.kubernetes.io/component\":\"test\"");
    }

    static List<Rendered.Manifest> workloads(Rendered rendered) {
        return rendered.manifests().stream().filter(m -> WORKLOADS.contains(m.kind())).toList();
    }

    static JsonNode podSpec(Rendered.Manifest m) {
        return m.kind().equals("Pod") ? m.object().path("spec") : m.object().path("spec").path("template").path("spec");
    }

    static JsonNode podLabels(Rendered.Manifest m) {
        return m.kind().equals("Pod") ? m.labels() : m.object().path("spec").path("template").path("metadata").path("labels");
    }

    /** A label selector (matchLabels) selects labels when every pair is present; an empty one selects nothing here. */
    static boolean matches(JsonNode selector, JsonNode labels) {
        if (selector == null || selector.isMissingNode() || selector.isEmpty()) {
            return false;
        }
        for (var it = selector.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    static List<String> texts(JsonNode array, String field) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.path(field).asText()));
        return out;
    }

    private static void check(List<String> problems, boolean ok, Object where, String what) {
        if (!ok) {
            problems.add(where + ": " + what);
        }
    }
}

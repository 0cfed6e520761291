package dev.kedai.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * k8s/ is the chart rendered with default values. {@code k8s/render} runs this class with
 * {@code -Dkedai.k8s.write=true} to regenerate it; otherwise the test fails when it is stale.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class K8sManifestsTest {

    @Test
    @Order(1)
    void k8sIsTheChartRenderedWithDefaultValues() throws IOException {
        if (Boolean.getBoolean("kedai.k8s.write")) {
            K8sManifests.write();
        }
        Map<String, List<Rendered.Manifest>> chart = K8sManifests.fromChart();
        Map<String, List<Rendered.Manifest>> disk = K8sManifests.fromDisk();

        assertThat(disk.keySet()).as("files in k8s/ (run k8s/render)").isEqualTo(chart.keySet());
        for (String file : chart.keySet()) {
            assertThat(K8sManifests.comparable(disk.get(file)))
                    .as("k8s/%s is out of date with helm/kedai: run k8s/render", file)
                    .isEqualTo(K8sManifests.comparable(chart.get(file)));
        }
    }

    @Test
    @Order(2)
    void kustomizationListsEveryRenderedFile() throws IOException {
        JsonNode kustomization = ChartRenderer.YAML.readTree(Repo.k8s().resolve(K8sManifests.KUSTOMIZATION).toFile());
        List<String> resources = new ArrayList<>();
        kustomization.path("resources").forEach(r -> resources.add(r.asText()));

        assertThat(kustomization.path("kind").asText()).isEqualTo("Kustomization");
        assertThat(resources).containsExactlyInAnyOrderElementsOf(K8sManifests.fromDisk().keySet());
        for (String resource : resources) {
            assertThat(Repo.k8s().resolve(resource)).exists();
        }
    }

    @Test
    @Order(3)
    void everyObjectInK8sParsesStrictly() throws IOException {
        List<String> problems = K8sManifests.fromDisk().values().stream().flatMap(List::stream)
                .flatMap(m -> StrictModel.problems(m).stream()).toList();
        assertThat(problems).isEmpty();
    }

    /** kubectl's own kustomize builds k8s/ (what `kubectl apply -k` does first), where kubectl exists. */
    @Test
    @Order(4)
    void kubectlKustomizeBuildsIt() throws Exception {
        assumeTrue(onPath("kubectl"), "kubectl is not installed (Debian: apt-get install kubernetes-client; .ci/run installs it)");
        Path out = Files.createTempFile("kustomize", ".yaml");
        Process p = new ProcessBuilder("kubectl", "kustomize", Repo.k8s().toString())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(output).isZero();
        long objects = K8sManifests.fromDisk().values().stream().mapToLong(List::size).sum();
        assertThat(ChartRenderer.parse(output).manifests()).hasSize((int) objects);
    }

    static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}

package dev.kedai.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** The chart ships kong-ingress/ as it is (k8s/render copies it into helm/kedai/files/kong-ingress). */
class KongIngressCopyTest {

    @Test
    void chartCopyEqualsKongIngress() throws IOException {
        List<Path> sources = yamlFiles(Repo.root().resolve("kong-ingress")).stream()
                .filter(f -> !f.getFileName().toString().equals("kustomization.yaml")).toList();
        List<Path> copies = yamlFiles(Repo.chart().resolve("files/kong-ingress"));

        assertThat(copies).extracting(f -> f.getFileName().toString())
                .as("helm/kedai/files/kong-ingress (run k8s/render)")
                .containsExactlyInAnyOrderElementsOf(sources.stream().map(f -> f.getFileName().toString()).toList());
        for (Path source : sources) {
            assertThat(Repo.chart().resolve("files/kong-ingress").resolve(source.getFileName()))
                    .as("copy of %s (run k8s/render)", source).hasSameTextualContentAs(source);
        }
    }

    @Test
    void everyKongIngressObjectIsRendered() throws IOException {
        Rendered rendered = ChartRenderer.render(Profile.DEFAULTS);
        for (Path source : yamlFiles(Repo.root().resolve("kong-ingress"))) {
            for (Rendered.Manifest m : ChartRenderer.parse(Files.readString(source)).manifests()) {
                if (!m.kind().equals("Kustomization")) {
                    assertThat(rendered.find(m.kind(), m.name())).as("%s from %s", m, source).isPresent();
                }
            }
        }
    }

    private static List<Path> yamlFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
    }
}

package dev.kedai.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code helm lint --strict} and {@code helm template} of every profile, and the schema's guard. */
class ChartLintTest {

    /**
     * helm-java's lint takes no values file, so each profile is linted as a copy of the chart
     * whose values.yaml is the profile merged over the defaults (what Helm itself computes).
     */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void lintStrictPassesForEveryProfile(Profile profile, @TempDir Path tmp) throws IOException {
        Path chart = copyChart(tmp);
        if (profile.valuesFile().isPresent()) {
            ObjectNode values = (ObjectNode) ChartRenderer.YAML.readTree(Repo.chart().resolve("values.yaml").toFile());
            merge(values, ChartRenderer.YAML.readTree(profile.valuesFile().get().toFile()));
            ChartRenderer.YAML.writeValue(chart.resolve("values.yaml").toFile(), values);
        }

        LintResult result = new Helm(chart).lint().strict().call();

        assertThat(result.getMessages()).as("helm lint --strict messages").noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
        assertThat(result.isFailed()).as("helm lint --strict failed: %s", result.getMessages()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Profile.class)
    void templateRendersEveryProfile(Profile profile) {
        Rendered rendered = ChartRenderer.render(profile);

        assertThat(rendered.ofKind("Deployment")).extracting(Rendered.Manifest::name).containsAll(
                PolicyTest.SERVICES.stream().map(rendered::service).toList());
    }

    @Test
    void schemaRejectsUnknownValues() {
        assertThatRenderFails(Map.of("replicas", 3), "replicas");
        assertThatRenderFails(Map.of("serviceDefaults.replica", 3), "replica");
        assertThatRenderFails(Map.of("kafka.mode", "zookeeper"), "/kafka/mode");
        assertThatRenderFails(Map.of("database.external.urls.auth", "mysql://x"), "jdbc");
    }

    @Test
    void authNeedsASigningKeySharedByItsReplicas() {
        assertThatRenderFails(Map.of("jwt.existingSecret", ""), "auth needs a signing key");
    }

    static void assertThatRenderFails(Map<String, Object> sets, String messagePart) {
        assertThatRenderFails(Profile.DEFAULTS, sets, null, messagePart);
    }

    static void assertThatRenderFails(Profile profile, Map<String, Object> sets, Path extraValues, String messagePart) {
        try {
            ChartRenderer.template(profile, sets, extraValues);
        } catch (RuntimeException e) {
            assertThat(e.getMessage()).as("error for %s %s", profile, sets).contains(messagePart);
            return;
        }
        throw new AssertionError("rendering " + profile + " with " + sets + " should have failed");
    }

    static Path copyChart(Path tmp) throws IOException {
        Path target = tmp.resolve("kedai");
        try (Stream<Path> files = Files.walk(Repo.chart())) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path to = target.resolve(Repo.chart().relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(source, to);
                }
            }
        }
        return target;
    }

    /** Helm's coalescing of values: maps merge key by key, anything else is replaced. */
    static void merge(ObjectNode base, JsonNode override) {
        for (Iterator<Map.Entry<String, JsonNode>> it = override.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode current = base.get(e.getKey());
            if (current instanceof ObjectNode currentObject && e.getValue().isObject()) {
                merge(currentObject, e.getValue());
            } else {
                base.set(e.getKey(), e.getValue());
            }
        }
    }
}

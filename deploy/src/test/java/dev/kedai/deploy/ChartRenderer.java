package dev.kedai.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;

/**
 * Renders helm/kedai offline with helm-java (Helm's own Go code through JNA), as release
 * {@code kedai} in namespace {@code kedai}, and splits the output into objects.
 */
final class ChartRenderer {
    static final String RELEASE = "kedai";
    static final String NAMESPACE = "kedai";
    /** The Kubernetes version rendered for (Chart.yaml asks for 1.27+). */
    static final String KUBE_VERSION = "v1.31.0";
    static final ObjectMapper YAML = new YAMLMapper();

    /**
     * Rendering without a cluster: the helm test pod as a plain object (helm-java's template,
     * unlike the helm CLI, leaves hooks out of its output).
     */
    static final Map<String, Object> OFFLINE = Map.of("tests.hook", false);

    private static final Pattern SOURCE = Pattern.compile("^# Source: (.+)$", Pattern.MULTILINE);
    private static final Map<Profile, Rendered> CACHE = new ConcurrentHashMap<>();

    private ChartRenderer() {
    }

    /** The chart rendered with a profile (cached: rendering takes a second). */
    static Rendered render(Profile profile) {
        return CACHE.computeIfAbsent(profile, p -> render(p, Map.of()));
    }

    /** The chart rendered with a profile and extra {@code --set} values. */
    static Rendered render(Profile profile, Map<String, Object> sets) {
        return parse(template(profile, sets));
    }

    static String template(Profile profile, Map<String, Object> sets) {
        return template(profile, sets, null);
    }

    /** The chart rendered with a profile, then an extra values file (may be null), then {@code --set} values. */
    static String template(Profile profile, Map<String, Object> sets, Path extraValues) {
        TemplateCommand command = new Helm(Repo.chart()).template()
                .withName(RELEASE)
                .withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION);
        profile.valuesFile().ifPresent(command::withValuesFile);
        if (extraValues != null) {
            command.withValuesFile(extraValues);
        }
        OFFLINE.forEach(command::set);
        sets.forEach(command::set);
        return command.call();
    }

    static Rendered parse(String output) {
        List<Rendered.Manifest> manifests = new ArrayList<>();
        for (String document : output.split("(?m)^---\\s*$")) {
            Matcher source = SOURCE.matcher(document);
            JsonNode node = readYaml(document);
            if (node == null || node.isNull() || node.isMissingNode()) {
                continue;
            }
            if (!node.isObject()) {
                throw new AssertionError("rendered document is not an object:\n" + document);
            }
            manifests.add(new Rendered.Manifest(source.find() ? source.group(1).trim() : "?", (ObjectNode) node, document.strip()));
        }
        return new Rendered(List.copyOf(manifests));
    }

    static JsonNode readYaml(String document) {
        try {
            return YAML.readTree(document);
        } catch (IOException e) {
            throw new AssertionError("rendered YAML does not parse: " + e.getMessage() + "\n" + document, e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static YAMLFactory yamlFactory() {
        return (YAMLFactory) YAML.getFactory();
    }
}

package dev.kedai.deploy;

import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The objects of one rendering of the chart, as parsed YAML, with the template each came from. */
record Rendered(List<Manifest> manifests) {

    /** One object and the chart template that produced it ({@code kedai/templates/x.yaml}). */
    record Manifest(String source, ObjectNode object, String yaml) {
        Manifest(String source, ObjectNode object) {
            this(source, object, null);
        }

        String kind() {
            return object.path("kind").asText();
        }

        String apiVersion() {
            return object.path("apiVersion").asText();
        }

        String name() {
            return object.path("metadata").path("name").asText();
        }

        JsonNode labels() {
            return object.path("metadata").path("labels");
        }

        boolean isTestHook() {
            return "test".equals(object.path("metadata").path("annotations").path("helm.sh/hook").asText());
        }

        @Override
        public String toString() {
            return kind() + "/" + name();
        }
    }

    List<Manifest> ofKind(String kind) {
        return manifests.stream().filter(m -> m.kind().equals(kind)).toList();
    }

    Optional<Manifest> find(String kind, String name) {
        return manifests.stream().filter(m -> m.kind().equals(kind) && m.name().equals(name)).findFirst();
    }

    Manifest get(String kind, String name) {
        return find(kind, name).orElseThrow(() -> new AssertionError("no " + kind + "/" + name + " rendered"));
    }

    /** The name of one service's objects: namePrefix-service (the prefix read off auth's Deployment). */
    String service(String service) {
        String auth = ofKind("Deployment").stream()
                .filter(d -> "auth".equals(d.labels().path("app.kubernetes.io/component").asText()))
                .map(Manifest::name).findFirst().orElseThrow(() -> new AssertionError("no auth Deployment rendered"));
        return auth.substring(0, auth.length() - "auth".length()) + service;
    }

    Rendered without(Predicate<Manifest> filter) {
        return new Rendered(manifests.stream().filter(filter.negate()).toList());
    }
}

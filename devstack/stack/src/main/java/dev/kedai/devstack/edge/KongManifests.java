package dev.kedai.devstack.edge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * The Kubernetes objects of {@code kong-ingress/} that the edge needs: Ingresses, KongPlugins,
 * KongClusterPlugins, KongConsumers and their credential Secrets. Files are read in the order
 * of the directory's {@code kustomization.yaml} resources (every *.yaml when there is none), so
 * the dev edge sees exactly what {@code kubectl apply -k} would send to the cluster.
 */
public record KongManifests(List<Ingress> ingresses,
                            Map<String, Plugin> plugins,
                            Map<String, Plugin> clusterPlugins,
                            List<Consumer> consumers,
                            Map<String, Secret> secrets) {

    public static final String PLUGINS_ANNOTATION = "konghq.com/plugins";
    public static final String METHODS_ANNOTATION = "konghq.com/methods";
    public static final String STRIP_PATH_ANNOTATION = "konghq.com/strip-path";
    public static final String REGEX_PRIORITY_ANNOTATION = "konghq.com/regex-priority";
    public static final String CREDENTIAL_LABEL = "konghq.com/credential";

    public KongManifests {
        ingresses = List.copyOf(ingresses);
        plugins = Map.copyOf(plugins);
        clusterPlugins = Map.copyOf(clusterPlugins);
        consumers = List.copyOf(consumers);
        secrets = Map.copyOf(secrets);
    }

    /** An Ingress (networking.k8s.io/v1). */
    public record Ingress(String name, Optional<String> ingressClassName, Map<String, String> annotations,
                          List<Rule> rules) {
        /** The KongPlugin names of {@code konghq.com/plugins}, in order. */
        public List<String> pluginNames() {
            return splitList(annotations.get(PLUGINS_ANNOTATION));
        }

        /** {@code konghq.com/methods}, upper case; empty = any method. */
        public List<String> methods() {
            return splitList(annotations.get(METHODS_ANNOTATION)).stream()
                    .map(m -> m.toUpperCase(java.util.Locale.ROOT)).toList();
        }

        /** KIC strips the matched prefix unless {@code konghq.com/strip-path} says "false". */
        public boolean stripPath() {
            return !"false".equalsIgnoreCase(annotations.getOrDefault(STRIP_PATH_ANNOTATION, "true").trim());
        }

        public int regexPriority() {
            return Integer.parseInt(annotations.getOrDefault(REGEX_PRIORITY_ANNOTATION, "0").trim());
        }
    }

    /** One rule of an Ingress: an optional host and its paths. */
    public record Rule(Optional<String> host, List<IngressPath> paths) {
    }

    /** One path of a rule and the Service port it goes to (by name or number). */
    public record IngressPath(String path, String pathType, String serviceName, Optional<String> portName,
                              OptionalInt portNumber) {
    }

    /** A KongPlugin or KongClusterPlugin. */
    public record Plugin(String kind, String name, String plugin, JsonNode config, Map<String, String> labels,
                         Map<String, String> annotations) {
        /** A KongClusterPlugin labelled {@code global: "true"} runs on every request. */
        public boolean global() {
            return "true".equals(labels.get("global"));
        }
    }

    /** A KongConsumer and the names of its credential Secrets. */
    public record Consumer(String name, String username, List<String> credentials, Map<String, String> annotations) {
    }

    /** A Secret with its decoded data ({@code data} base64-decoded, {@code stringData} as is). */
    public record Secret(String name, Map<String, String> labels, Map<String, String> annotations,
                         Map<String, String> data) {
    }

    /** A jwt credential: a consumer's Secret labelled {@code konghq.com/credential: jwt}. */
    public record JwtCredential(String consumer, String secretName, String key, String algorithm,
                                Optional<String> rsaPublicKey) {
    }

    /**
     * The jwt credentials of all consumers found in the manifests, by {@code key} (what the
     * token's key claim must equal). A credential Secret the manifests only name is made in the
     * cluster (the chart or the operator creates one per signing key: docs/deploy.md); the dev edge
     * stands in for those with auth's JWKS ({@link JwtPlugin}).
     */
    public Map<String, JwtCredential> jwtCredentials() {
        Map<String, JwtCredential> byKey = new LinkedHashMap<>();
        for (Consumer consumer : consumers) {
            for (String secretName : consumer.credentials()) {
                Secret secret = secrets.get(secretName);
                if (secret == null) {
                    continue;
                }
                if (!"jwt".equals(secret.labels().get(CREDENTIAL_LABEL))) {
                    continue;
                }
                String key = secret.data().get("key");
                if (key == null || key.isBlank()) {
                    throw new IllegalStateException("jwt credential " + secretName + " has no key");
                }
                byKey.put(key, new JwtCredential(consumer.username(), secretName, key,
                        secret.data().getOrDefault("algorithm", "HS256"),
                        Optional.ofNullable(secret.data().get("rsa_public_key"))));
            }
        }
        return byKey;
    }

    /** Reads the manifests of {@code dir}; fails with the file name on anything it cannot read. */
    public static KongManifests load(Path dir) {
        YAMLMapper yaml = new YAMLMapper();
        List<Ingress> ingresses = new ArrayList<>();
        Map<String, Plugin> plugins = new LinkedHashMap<>();
        Map<String, Plugin> clusterPlugins = new LinkedHashMap<>();
        List<Consumer> consumers = new ArrayList<>();
        Map<String, Secret> secrets = new LinkedHashMap<>();
        for (Path file : files(yaml, dir)) {
            try (MappingIterator<JsonNode> docs = yaml.readerFor(JsonNode.class).readValues(file.toFile())) {
                while (docs.hasNext()) {
                    JsonNode doc = docs.next();
                    if (doc == null || doc.isNull() || doc.isEmpty()) {
                        continue;
                    }
                    String kind = doc.path("kind").asText();
                    String name = doc.path("metadata").path("name").asText();
                    switch (kind) {
                        case "Ingress" -> ingresses.add(ingress(doc));
                        case "KongPlugin" -> plugins.put(name, plugin(doc));
                        case "KongClusterPlugin" -> clusterPlugins.put(name, plugin(doc));
                        case "KongConsumer" -> consumers.add(new Consumer(name, doc.path("username").asText(name),
                                strings(doc.path("credentials")), stringMap(doc.path("metadata").path("annotations"))));
                        case "Secret" -> secrets.put(name, secret(doc));
                        default -> {
                            // other kinds (e.g. a Service in an overlay) are not the edge's business
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            } catch (RuntimeException e) {
                throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }
        return new KongManifests(ingresses, plugins, clusterPlugins, consumers, secrets);
    }

    private static List<Path> files(YAMLMapper yaml, Path dir) {
        Path kustomization = dir.resolve("kustomization.yaml");
        try {
            if (Files.isRegularFile(kustomization)) {
                return strings(yaml.readTree(kustomization.toFile()).path("resources")).stream()
                        .map(dir::resolve).toList();
            }
            try (Stream<Path> list = Files.list(dir)) {
                return list.filter(p -> p.getFileName().toString().matches(".*\\.ya?ml")).sorted().toList();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the Kong manifests in " + dir, e);
        }
    }

    private static Ingress ingress(JsonNode doc) {
        JsonNode spec = doc.path("spec");
        List<Rule> rules = new ArrayList<>();
        for (JsonNode rule : spec.path("rules")) {
            List<IngressPath> paths = new ArrayList<>();
            for (JsonNode p : rule.path("http").path("paths")) {
                JsonNode service = p.path("backend").path("service");
                JsonNode port = service.path("port");
                paths.add(new IngressPath(p.path("path").asText("/"), p.path("pathType").asText("Prefix"),
                        service.path("name").asText(),
                        port.has("name") ? Optional.of(port.get("name").asText()) : Optional.empty(),
                        port.has("number") ? OptionalInt.of(port.get("number").asInt()) : OptionalInt.empty()));
            }
            rules.add(new Rule(Optional.ofNullable(rule.get("host")).map(JsonNode::asText), paths));
        }
        return new Ingress(doc.path("metadata").path("name").asText(),
                Optional.ofNullable(spec.get("ingressClassName")).map(JsonNode::asText),
                stringMap(doc.path("metadata").path("annotations")), rules);
    }

    private static Plugin plugin(JsonNode doc) {
        JsonNode config = doc.has("config") ? doc.get("config") : NullNode.getInstance();
        return new Plugin(doc.path("kind").asText(), doc.path("metadata").path("name").asText(),
                doc.path("plugin").asText(), config, stringMap(doc.path("metadata").path("labels")),
                stringMap(doc.path("metadata").path("annotations")));
    }

    private static Secret secret(JsonNode doc) {
        Map<String, String> data = new LinkedHashMap<>();
        doc.path("data").properties().forEach(e -> data.put(e.getKey(),
                new String(Base64.getMimeDecoder().decode(e.getValue().asText()), StandardCharsets.UTF_8)));
        doc.path("stringData").properties().forEach(e -> data.put(e.getKey(), e.getValue().asText()));
        return new Secret(doc.path("metadata").path("name").asText(), stringMap(doc.path("metadata").path("labels")),
                stringMap(doc.path("metadata").path("annotations")), data);
    }

    private static Map<String, String> stringMap(JsonNode node) {
        Map<String, String> map = new LinkedHashMap<>();
        node.properties().forEach(e -> map.put(e.getKey(), e.getValue().asText()));
        return map;
    }

    private static List<String> strings(JsonNode node) {
        List<String> list = new ArrayList<>();
        node.forEach(n -> list.add(n.asText()));
        return list;
    }

    static List<String> splitList(String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        return Stream.of(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}

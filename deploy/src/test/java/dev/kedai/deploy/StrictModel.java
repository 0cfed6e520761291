package dev.kedai.deploy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;

/**
 * Parses a rendered object into its typed model (fabric8 for Kubernetes and the Prometheus
 * Operator, Strimzi's own for kafka.strimzi.io) and fails on anything the model does not know:
 * the models keep unknown fields in {@code additionalProperties} instead of failing, so every
 * such map in the parsed object graph must be empty. Scalars are not coerced ("3" is no int).
 */
final class StrictModel {
    static final String STRIMZI_API = "kafka.strimzi.io/v1";

    /** apiVersion/kind to model class; anything rendered that is not here fails the test. */
    static final Map<String, Class<?>> MODELS = Map.ofEntries(
            Map.entry("v1/ConfigMap", ConfigMap.class),
            Map.entry("v1/Secret", Secret.class),
            Map.entry("v1/Service", Service.class),
            Map.entry("v1/Pod", Pod.class),
            Map.entry("apps/v1/Deployment", Deployment.class),
            Map.entry("apps/v1/StatefulSet", StatefulSet.class),
            Map.entry("batch/v1/Job", Job.class),
            Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class),
            Map.entry("networking.k8s.io/v1/Ingress", Ingress.class),
            Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
            Map.entry("monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class),
            Map.entry("monitoring.coreos.com/v1/PrometheusRule", PrometheusRule.class),
            Map.entry(STRIMZI_API + "/KafkaTopic", KafkaTopic.class),
            Map.entry(STRIMZI_API + "/Kafka", Kafka.class),
            Map.entry(STRIMZI_API + "/KafkaNodePool", KafkaNodePool.class));

    /**
     * Kong's CRDs (the edge's objects, kong-ingress/) have no Java model: their metadata is parsed
     * strictly and their top-level fields must be among those of the Kong CRDs.
     */
    static final Map<String, Set<String>> KONG_FIELDS = Map.of(
            "configuration.konghq.com/v1/KongPlugin", Set.of("apiVersion", "kind", "metadata", "plugin", "config", "configFrom", "configPatches", "disabled", "protocols", "ordering", "consumerRef", "instance_name"),
            "configuration.konghq.com/v1/KongClusterPlugin", Set.of("apiVersion", "kind", "metadata", "plugin", "config", "configFrom", "configPatches", "disabled", "protocols", "ordering", "consumerRef", "instance_name"),
            "configuration.konghq.com/v1/KongConsumer", Set.of("apiVersion", "kind", "metadata", "username", "custom_id", "credentials", "consumerGroups", "spec"));

    /**
     * The config keys of each Kong plugin Kedai uses, from the plugins' schema.lua in Kong 3.x
     * (kong/plugins/NAME/schema.lua; rate-limiting's {@code redis} record is
     * kong/tools/redis/schema.lua). A key Kong does not know makes KIC drop the plugin.
     */
    static final Map<String, Set<String>> KONG_PLUGIN_CONFIG = Map.of(
            "jwt", Set.of("uri_param_names", "cookie_names", "key_claim_name", "secret_is_base64", "claims_to_verify",
                    "anonymous", "run_on_preflight", "maximum_expiration", "header_names", "realm"),
            "rate-limiting", Set.of("second", "minute", "hour", "day", "month", "year", "limit_by", "header_name", "path",
                    "policy", "fault_tolerant", "redis", "hide_client_headers", "error_code", "error_message", "sync_rate"),
            "cors", Set.of("origins", "headers", "exposed_headers", "methods", "max_age", "credentials", "private_network",
                    "preflight_continue", "allow_origin_absent"),
            "correlation-id", Set.of("header_name", "generator", "echo_downstream"),
            "prometheus", Set.of("per_consumer", "status_code_metrics", "ai_metrics", "latency_metrics", "bandwidth_metrics",
                    "upstream_health_metrics", "wasm_metrics"),
            "request-size-limiting", Set.of("allowed_payload_size", "size_unit", "require_content_length"),
            // endpoint is a shorthand of traces_endpoint from 3.8 on, so it is read by every Kong 3.x
            "opentelemetry", Set.of("endpoint", "traces_endpoint", "logs_endpoint", "headers", "resource_attributes",
                    "queue", "batch_span_count", "batch_flush_delay", "connect_timeout", "send_timeout", "read_timeout",
                    "http_response_header_for_traceid", "header_type", "sampling_rate", "propagation"));
    static final Set<String> KONG_REDIS = Set.of("host", "port", "timeout", "username", "password", "database", "ssl",
            "ssl_verify", "server_name");
    /** A jwt credential Secret (kong/plugins/jwt/daos.lua, jwt_secrets). */
    static final Set<String> KONG_JWT_CREDENTIAL = Set.of("key", "secret", "rsa_public_key", "algorithm");

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .build();

    private StrictModel() {
    }

    /** The problems of one object (empty when it parses strictly). */
    static List<String> problems(Rendered.Manifest manifest) {
        String type = manifest.apiVersion() + "/" + manifest.kind();
        List<String> problems = new ArrayList<>();
        try {
            if (KONG_FIELDS.containsKey(type)) {
                manifest.object().fieldNames().forEachRemaining(f -> {
                    if (!KONG_FIELDS.get(type).contains(f)) {
                        problems.add(manifest + ": unknown field " + f);
                    }
                });
                unknownFields(MAPPER.treeToValue(manifest.object().get("metadata"), ObjectMeta.class), manifest + ".metadata", problems);
                kongPluginConfig(manifest, problems);
                return problems;
            }
            Class<?> model = MODELS.get(type);
            if (model == null) {
                return List.of(manifest + ": no model for " + type + " (add it to StrictModel.MODELS)");
            }
            Object parsed = MAPPER.treeToValue(manifest.object(), model);
            unknownFields(parsed, manifest.toString(), problems);
        } catch (Exception e) {
            problems.add(manifest + ": " + e.getMessage());
        }
        return problems;
    }

    private static void kongPluginConfig(Rendered.Manifest manifest, List<String> problems) {
        if (!manifest.object().has("plugin")) {
            return;
        }
        String plugin = manifest.object().path("plugin").asText();
        Set<String> known = KONG_PLUGIN_CONFIG.get(plugin);
        if (known == null) {
            problems.add(manifest + ": plugin " + plugin + " has no known config keys (add them to StrictModel.KONG_PLUGIN_CONFIG)");
            return;
        }
        manifest.object().path("config").fieldNames().forEachRemaining(k -> {
            if (!known.contains(k)) {
                problems.add(manifest + ": config." + k + " is not a key of Kong's " + plugin + " plugin");
            }
        });
        manifest.object().path("config").path("redis").fieldNames().forEachRemaining(k -> {
            if (!KONG_REDIS.contains(k)) {
                problems.add(manifest + ": config.redis." + k + " is not a key of Kong's redis settings");
            }
        });
        for (var patch : manifest.object().path("configPatches")) {
            String path = patch.path("path").asText();
            String[] parts = path.substring(1).split("/");
            Set<String> keys = parts.length == 2 && parts[0].equals("redis") ? KONG_REDIS : known;
            if (!path.startsWith("/") || !keys.contains(parts[parts.length - 1])
                    || patch.path("valueFrom").path("secretKeyRef").path("name").asText().isBlank()
                    || patch.path("valueFrom").path("secretKeyRef").path("key").asText().isBlank()) {
                problems.add(manifest + ": configPatches entry " + patch + " names no known key or no Secret key");
            }
        }
    }

    /** Walks the model's getters; every {@code getAdditionalProperties()} map must be empty. */
    private static void unknownFields(Object node, String path, List<String> problems) throws ReflectiveOperationException {
        if (node == null) {
            return;
        }
        if (node instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                unknownFields(item, path + "[" + i++ + "]", problems);
            }
            return;
        }
        if (node instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                unknownFields(e.getValue(), path + "." + e.getKey(), problems);
            }
            return;
        }
        String pkg = node.getClass().getPackageName();
        if (!pkg.startsWith("io.fabric8") && !pkg.startsWith("io.strimzi")) {
            return;
        }
        for (Method getter : node.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = getter.invoke(node);
            } catch (InvocationTargetException e) {
                continue;  // derived getters that throw on absent data are not fields
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    problems.add(path + ": unknown field(s) " + extra.keySet());
                }
            } else if (value != null && value != node && !(value instanceof ObjectNode)) {
                unknownFields(value, path + "." + fieldName(getter), problems);
            }
        }
    }

    private static String fieldName(Method getter) {
        String n = getter.getName().substring(3);
        return n.isEmpty() ? n : Character.toLowerCase(n.charAt(0)) + n.substring(1);
    }
}

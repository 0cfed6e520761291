package dev.kedai.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.config.Config;
import org.junit.jupiter.api.Test;

/**
 * Issue 24: {@code search.*} values. fulltext (the default): nothing about OpenSearch is rendered.
 * opensearch: product reads its settings from the ConfigMap (as Helidon maps them) and its
 * credentials from their Secret, trusts the CA from its Secret, may reach the cluster's port; a Job
 * creates the index with the product image, allowed to the database and the cluster only.
 */
class SearchValuesTest {

    private static final Map<String, Object> OPENSEARCH = Map.of(
            "search.engine", "opensearch",
            "search.opensearch.url", "https://search.example:9200",
            "search.opensearch.existingSecret", "kedai-search-credentials",
            "search.opensearch.caSecret", "kedai-search-ca",
            "search.opensearch.fallback", "fulltext",
            "search.opensearch.namespace", "opensearch",
            "search.opensearch.port", 9200);

    @Test
    void fulltextByDefaultRendersNothingOfOpenSearch() {
        Rendered rendered = ChartRenderer.render(Profile.DEFAULTS);

        Config product = ServiceConfigTest.serviceConfig(rendered, "product", Map.of());
        assertThat(product.get("product.search.engine").asString().orElse("fulltext")).isEqualTo("fulltext");
        assertThat(rendered.ofKind("Job")).noneMatch(job -> job.name().contains("search-index"));
        assertThat(egressPorts(rendered, "kedai-product")).doesNotContain(9200);
    }

    @Test
    void openSearchConfiguresProductAndAnIndexJobWithTheirNetworkPolicies() {
        Rendered rendered = ChartRenderer.render(Profile.DEFAULTS, OPENSEARCH);

        Config product = ServiceConfigTest.serviceConfig(rendered, "product",
                Map.of("PRODUCT_SEARCH_OPENSEARCH_USERNAME", "u", "PRODUCT_SEARCH_OPENSEARCH_PASSWORD", "p"));
        assertThat(product.get("product.search.engine").asString().get()).isEqualTo("opensearch");
        assertThat(product.get("product.search.opensearch.url").asString().get()).isEqualTo("https://search.example:9200");
        assertThat(product.get("product.search.opensearch.index").asString().get()).isEqualTo("kedai-products");
        assertThat(product.get("product.search.opensearch.replicas").asInt().get()).isEqualTo(1);
        assertThat(product.get("product.search.opensearch.ca-file").asString().get()).isEqualTo("/etc/kedai/search-ca/ca.crt");
        assertThat(product.get("product.search.fallback").asString().get()).isEqualTo("fulltext");
        assertThat(product.get("product.search.opensearch.username").asString().get()).isEqualTo("u");
        for (String service : List.of("stock", "cartorder", "auth", "user")) {
            assertThat(ServiceConfigTest.serviceConfig(rendered, service, Map.of()).get("product.search.engine").exists())
                    .as(service).isFalse();
        }

        Rendered.Manifest deployment = rendered.get("Deployment", "kedai-product");
        JsonNode container = PolicyTest.podSpec(deployment).path("containers").get(0);
        assertThat(secretRefs(container)).containsEntry("PRODUCT_SEARCH_OPENSEARCH_USERNAME", "kedai-search-credentials/username")
                .containsEntry("PRODUCT_SEARCH_OPENSEARCH_PASSWORD", "kedai-search-credentials/password");
        assertThat(mountedSecret(deployment, "/etc/kedai/search-ca")).isEqualTo("kedai-search-ca");
        assertThat(egressPorts(rendered, "kedai-product")).contains(9200);

        Rendered.Manifest job = rendered.ofKind("Job").stream().filter(j -> j.name().startsWith("kedai-search-index-"))
                .findFirst().orElseThrow(() -> new AssertionError("no search index Job"));
        JsonNode jobContainer = PolicyTest.podSpec(job).path("containers").get(0);
        assertThat(jobContainer.path("image").asText()).isEqualTo(container.path("image").asText());
        assertThat(jobContainer.path("command").toString()).contains("dev.kedai.product.SearchAdmin", "ensure-index");
        assertThat(jobContainer.at("/envFrom/0/configMapRef/name").asText()).isEqualTo("kedai-product");
        assertThat(secretRefs(jobContainer)).containsEntry("PRODUCT_SEARCH_OPENSEARCH_PASSWORD", "kedai-search-credentials/password")
                .containsKey("DB_CONNECTION_PASSWORD");
        assertThat(mountedSecret(job, "/etc/kedai/search-ca")).isEqualTo("kedai-search-ca");
        assertThat(egressPorts(rendered, "kedai-search-index")).contains(9200, 3306, 53);
        assertThat(rendered.get("NetworkPolicy", "kedai-mysql").object().at("/spec/ingress/0/from").toString())
                .as("the database admits the index Job").contains("kedai-search-index");

        List<String> problems = new ArrayList<>();
        for (Rendered.Manifest m : rendered.manifests()) {
            problems.addAll(StrictModel.problems(m));
        }
        assertThat(problems).as("every object parses strictly").isEmpty();
    }

    private static Map<String, String> secretRefs(JsonNode container) {
        Map<String, String> refs = new java.util.HashMap<>();
        for (JsonNode e : container.path("env")) {
            JsonNode ref = e.at("/valueFrom/secretKeyRef");
            if (!ref.isMissingNode()) {
                refs.put(e.path("name").asText(), ref.path("name").asText() + "/" + ref.path("key").asText());
            }
        }
        return refs;
    }

    private static String mountedSecret(Rendered.Manifest workload, String path) {
        JsonNode spec = PolicyTest.podSpec(workload);
        String volume = null;
        for (JsonNode mount : spec.path("containers").get(0).path("volumeMounts")) {
            if (mount.path("mountPath").asText().equals(path)) {
                volume = mount.path("name").asText();
            }
        }
        for (JsonNode v : spec.path("volumes")) {
            if (v.path("name").asText().equals(volume)) {
                return v.at("/secret/secretName").asText();
            }
        }
        return null;
    }

    private static List<Integer> egressPorts(Rendered rendered, String policy) {
        List<Integer> ports = new ArrayList<>();
        rendered.find("NetworkPolicy", policy).ifPresent(p -> {
            for (JsonNode rule : p.object().at("/spec/egress")) {
                for (JsonNode port : rule.path("ports")) {
                    if (port.path("port").isInt()) {
                        ports.add(port.path("port").asInt());
                    }
                }
            }
        });
        return ports;
    }
}

package dev.kedai.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * The API documents are routed by Kong only when {@code apiDocs.enabled} asks for it: by default
 * no Ingress path lies under /docs; enabled, each service's document is at
 * /docs/openapi/&lt;service&gt; (read-only methods), rewritten to the service's own /openapi.
 */
class ApiDocsValueTest {

    @Test
    void nothingUnderDocsByDefault() {
        for (Profile profile : Profile.values()) {
            assertThat(paths(ChartRenderer.render(profile))).as(profile.name())
                    .noneMatch(path -> path.startsWith("/docs"));
        }
    }

    @Test
    void enabledRoutesEachDocumentToItsService() {
        Rendered rendered = ChartRenderer.render(Profile.DEFAULTS, Map.of("apiDocs.enabled", true));

        Rendered.Manifest ingress = rendered.get("Ingress", "kedai-api-docs");
        assertThat(ingress.object().at("/metadata/annotations/konghq.com~1methods").asText()).isEqualTo("GET,HEAD,OPTIONS");
        assertThat(ingress.object().at("/metadata/annotations/konghq.com~1plugins").asText())
                .startsWith("kedai-openapi-path,");
        List<String> routes = new ArrayList<>();
        for (JsonNode path : ingress.object().at("/spec/rules/0/http/paths")) {
            routes.add(path.path("path").asText() + " -> " + path.at("/backend/service/name").asText()
                    + ":" + path.at("/backend/service/port/name").asText());
        }
        assertThat(routes).containsExactlyInAnyOrder(
                "/docs/openapi/auth -> kedai-auth:http", "/docs/openapi/user -> kedai-user:http",
                "/docs/openapi/product -> kedai-product:http", "/docs/openapi/stock -> kedai-stock:http",
                "/docs/openapi/cartorder -> kedai-cartorder:http");
        assertThat(rendered.get("KongPlugin", "kedai-openapi-path").object().at("/config/replace/uri").asText())
                .isEqualTo("/openapi");
    }

    private static List<String> paths(Rendered rendered) {
        List<String> paths = new ArrayList<>();
        for (Rendered.Manifest ingress : rendered.ofKind("Ingress")) {
            for (JsonNode rule : ingress.object().at("/spec/rules")) {
                rule.at("/http/paths").forEach(path -> paths.add(path.path("path").asText()));
            }
        }
        return paths;
    }
}

package dev.kedai.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * {@code tracing.*} values: off by default (no TRACING_* variable, no egress to a Collector);
 * enabled, every service exports to the endpoint at the ratio, with the resource attributes, and
 * its NetworkPolicy lets it reach the Collector's port, and Kong's opentelemetry plugin sends to the same
 * Collector (disabled when tracing is off).
 */
class TracingValuesTest {

    private static final String[] SERVICES = {"auth", "user", "product", "stock", "cartorder"};

    @Test
    void offByDefault() {
        Rendered rendered = ChartRenderer.render(Profile.DEFAULTS);
        for (String service : SERVICES) {
            JsonNode data = rendered.get("ConfigMap", "kedai-" + service).object().path("data");
            data.fieldNames().forEachRemaining(name -> assertThat(name).doesNotStartWith("TRACING"));
            assertThat(egressPorts(rendered, service)).doesNotContain(4318);
        }
        // Kong's plugin is there (every Ingress names it) but disabled: no span sent to a Collector that is not there
        JsonNode kong = KongEdgeTest.plugins(rendered, "opentelemetry").getFirst().object();
        assertThat(kong.path("disabled").asBoolean()).isTrue();
    }

    @Test
    void enabledEveryServiceExportsToTheCollector() {
        Rendered rendered = ChartRenderer.render(Profile.DEFAULTS, Map.of(
                "tracing.enabled", true,
                "tracing.endpoint", "http://collector.otel:4318/v1/traces",
                "tracing.collectorNamespace", "otel",
                "tracing.resourceAttributes.deployment\\.environment\\.name", "staging"));
        for (String service : SERVICES) {
            JsonNode data = rendered.get("ConfigMap", "kedai-" + service).object().path("data");
            assertThat(data.path("TRACING_ENABLED").asText()).isEqualTo("true");
            assertThat(data.path("TRACING_ENDPOINT").asText()).isEqualTo("http://collector.otel:4318/v1/traces");
            assertThat(data.path("TRACING_SAMPLER_DASH_RATIO").asText()).isEqualTo("1");
            assertThat(data.path("TRACING_RESOURCE_DEPLOYMENT_ENVIRONMENT_NAME").asText()).isEqualTo("staging");
            assertThat(egressPorts(rendered, service)).contains(4318);
        }
        // Kong starts or continues the trace and sends its span to the same Collector
        List<Rendered.Manifest> kong = KongEdgeTest.plugins(rendered, "opentelemetry");
        assertThat(kong).hasSize(1);
        JsonNode plugin = kong.getFirst().object();
        assertThat(plugin.path("disabled").asBoolean()).isFalse();
        assertThat(plugin.at("/config/endpoint").asText()).isEqualTo("http://collector.otel:4318/v1/traces");
        assertThat(plugin.at("/config/resource_attributes/service.name").asText()).isEqualTo("kedai-edge");
        assertThat(plugin.at("/config/resource_attributes/deployment.environment.name").asText()).isEqualTo("staging");
    }

    private static java.util.List<Integer> egressPorts(Rendered rendered, String service) {
        java.util.List<Integer> ports = new java.util.ArrayList<>();
        for (Rendered.Manifest policy : rendered.ofKind("NetworkPolicy")) {
            if (!policy.object().at("/metadata/name").asText().equals("kedai-" + service)) {
                continue;
            }
            for (JsonNode rule : policy.object().at("/spec/egress")) {
                for (JsonNode port : rule.path("ports")) {
                    if (port.path("port").isInt()) {
                        ports.add(port.path("port").asInt());
                    }
                }
            }
        }
        return ports;
    }
}

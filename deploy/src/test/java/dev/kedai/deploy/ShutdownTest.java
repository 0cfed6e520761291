package dev.kedai.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.config.Config;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Defect 11: a rolling update must not cut requests. A terminating pod is taken out of the
 * endpoints while the kubelet runs preStop, so the pause there lets kube-proxy and Kong notice
 * before SIGTERM; then the service drains (KedaiServer.stop: unready, in-flight HTTP and gRPC
 * calls finish within the grace period, consumers commit). The kubelet's grace period must cover
 * all of it, or SIGKILL cuts the drain short.
 */
class ShutdownTest {

    @ParameterizedTest
    @EnumSource(Profile.class)
    void everyServicePausesBeforeSigtermAndDrainsWithinTheGracePeriod(Profile profile) {
        Rendered rendered = ChartRenderer.render(profile);
        int preStop = profile == Profile.EXTERNAL ? 8 : 5;
        int drain = profile == Profile.EXTERNAL ? 15 : 10;
        for (String service : PolicyTest.SERVICES) {
            Rendered.Manifest d = rendered.get("Deployment", rendered.service(service));
            JsonNode pod = PolicyTest.podSpec(d);
            JsonNode container = pod.path("containers").get(0);
            assertThat(PolicyTest.texts(container.path("lifecycle").path("preStop").path("exec").path("command")))
                    .as("%s preStop", d).containsExactly("sleep", String.valueOf(preStop));

            Config config = ServiceConfigTest.serviceConfig(rendered, service, Map.of());
            Duration httpGrace = config.get("server.shutdown-grace-period").as(Duration.class).get();
            Duration grpcGrace = config.get("grpc.shutdown-grace").as(Duration.class).get();
            assertThat(httpGrace).isEqualTo(Duration.ofSeconds(drain));
            assertThat(grpcGrace).isEqualTo(Duration.ofSeconds(drain));
            // HTTP and gRPC drain side by side; then the consumers and loops stop (seconds)
            assertThat(pod.path("terminationGracePeriodSeconds").asLong()).as("%s grace period", d)
                    .isGreaterThanOrEqualTo(preStop + Math.max(httpGrace.toSeconds(), grpcGrace.toSeconds()) + 10);
        }
    }
}

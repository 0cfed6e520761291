package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import dev.kedai.devstack.edge.KongManifests;
import dev.kedai.devstack.edge.KongRoute;
import dev.kedai.devstack.edge.KongRouter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every row of the route table, read from the same kong-ingress/ manifests the edge and Kong
 * use, sent through the dev edge to the running services: the service that answers (its
 * X-Kedai-Service header) is the one the Ingress names.
 */
@ExtendWith(StackFixture.class)
class EdgeRoutingSystemTest {
    static EdgeClient anonymous;
    static EdgeClient customer;

    @BeforeAll
    static void customer(Stack stack) {
        anonymous = new EdgeClient(stack, "127.0.0.31");
        customer = anonymous.newCustomer("Router");
    }

    /** One request per Kong route path: the Ingress path itself, or a path below a prefix. */
    static Stream<Arguments> rows() {
        KongManifests manifests = KongManifests.load(StackConfig.findRepoRoot(java.nio.file.Path.of(""))
                .orElseThrow().resolve("kong-ingress"));
        KongRouter router = KongRouter.of(manifests);
        List<Arguments> rows = new ArrayList<>();
        for (KongRoute route : router.routes()) {
            String path = route.regex()
                    ? route.kongPath().substring(1, route.kongPath().length() - 1).replace("\\", "")
                    : route.kongPath() + "edge-probe";
            String method = route.methods().isEmpty() || route.methods().contains("GET") ? "GET"
                    : route.methods().contains("POST") ? "POST" : new java.util.TreeSet<>(route.methods()).first();
            rows.add(Arguments.of(route.ingress(), method, path, route.backend().service()));
        }
        return rows.stream();
    }

    @ParameterizedTest(name = "{0}: {1} {2} -> {3}")
    @MethodSource("rows")
    void theServiceTheIngressNamesAnswers(String ingress, String method, String path, String service) {
        // a write with an empty object: the service refuses it (400/404/405), no state changes
        EdgeClient.Answer answer = customer.method(method, path, method.equals("GET") ? null : "{}");

        assertThat(answer.service()).as("%s %s answered %s %s", method, path, answer.status(), answer.raw().body())
                .hasValue(service.substring("kedai-".length()));
        assertThat(answer.header("X-Request-ID")).isPresent();
    }

    @Test
    void anUnknownPathIsAnsweredByTheEdgeItself() {
        EdgeClient.Answer answer = anonymous.get("/observe/metrics");

        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.service()).isEmpty();
        assertThat(answer.json().path("message").asText()).isEqualTo("no Route matched with those values");
        assertThat(answer.json().path("request_id").asText()).isEqualTo(answer.header("X-Request-ID").orElseThrow());
    }
}

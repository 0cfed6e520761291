package dev.kedai.devstack.edge;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What the dev edge needs.
 *
 * @param host       address to listen on (the devstack's {@code --bind-host}, 127.0.0.1 by default)
 * @param port       port to listen on (0 = any free one)
 * @param manifests  the {@code kong-ingress/} directory
 * @param upstreams  the instances of each Kubernetes Service by Service name, each with the base
 *                   URI of its {@code http} port, e.g. {@code kedai-stock -> [http://127.0.0.1:8002]};
 *                   requests are balanced over them ({@link Upstream})
 * @param jwksUri    auth's JWKS: the public keys the jwt plugin verifies signatures with
 * @param accessLog  file of the access log (one JSON line per request)
 * @param rateLimits whether the rate-limiting plugins run (off only for load tests from one address)
 * @param trace      trace context and the edge's spans ({@link EdgeTrace#OFF}: a client's traceparent passes through)
 */
public record EdgeSettings(String host, int port, Path manifests, Map<String, List<UpstreamTarget>> upstreams,
                           URI jwksUri, Path accessLog, boolean rateLimits, EdgeTrace trace) {

    /** An edge on 127.0.0.1. */
    public EdgeSettings(int port, Path manifests, Map<String, URI> services, URI jwksUri, Path accessLog, boolean rateLimits) {
        this("127.0.0.1", port, manifests, services, jwksUri, accessLog, rateLimits);
    }

    public EdgeSettings {
        upstreams = upstreams.entrySet().stream().collect(Collectors.toUnmodifiableMap(Map.Entry::getKey,
                e -> List.copyOf(e.getValue())));
    }

    /** One instance of each Service, not probed, without tracing. */
    public EdgeSettings(String host, int port, Path manifests, Map<String, URI> services, URI jwksUri, Path accessLog,
                        boolean rateLimits) {
        this(host, port, manifests, oneInstanceEach(services), jwksUri, accessLog, rateLimits, EdgeTrace.OFF);
    }

    /** One unprobed instance per Service. */
    public static Map<String, List<UpstreamTarget>> oneInstanceEach(Map<String, URI> services) {
        return services.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                e -> List.of(UpstreamTarget.unprobed(e.getValue()))));
    }

    /** The first instance of each Service, by name. */
    public Map<String, URI> services() {
        Map<String, URI> first = new TreeMap<>();
        upstreams.forEach((name, targets) -> first.put(name, targets.getFirst().uri()));
        return first;
    }

    /** The port name Kedai's Ingresses route to; every other port (admin, grpc) stays unrouted. */
    public static final String ROUTED_PORT = "http";
}

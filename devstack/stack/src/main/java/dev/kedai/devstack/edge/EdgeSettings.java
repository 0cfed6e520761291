package dev.kedai.devstack.edge;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * What the dev edge needs.
 *
 * @param host       address to listen on (the devstack's {@code --bind-host}, 127.0.0.1 by default)
 * @param port       port to listen on (0 = any free one)
 * @param manifests  the {@code kong-ingress/} directory
 * @param services   the base URI of each Kubernetes Service's {@code http} port by Service name,
 *                   e.g. {@code kedai-stock -> http://127.0.0.1:8002}
 * @param jwksUri    auth's JWKS: the public keys the jwt plugin verifies signatures with
 * @param accessLog  file of the access log (one JSON line per request)
 * @param rateLimits whether the rate-limiting plugins run (off only for load tests from one address)
 * @param trace      trace context and the edge's spans ({@link EdgeTrace#OFF}: a client's traceparent passes through)
 */
public record EdgeSettings(String host, int port, Path manifests, Map<String, URI> services, URI jwksUri, Path accessLog,
                           boolean rateLimits, EdgeTrace trace) {

    /** An edge on 127.0.0.1. */
    public EdgeSettings(int port, Path manifests, Map<String, URI> services, URI jwksUri, Path accessLog, boolean rateLimits) {
        this("127.0.0.1", port, manifests, services, jwksUri, accessLog, rateLimits);
    }

    public EdgeSettings {
        services = Map.copyOf(services);
    }

    /** Without tracing. */
    public EdgeSettings(String host, int port, Path manifests, Map<String, URI> services, URI jwksUri, Path accessLog,
                        boolean rateLimits) {
        this(host, port, manifests, services, jwksUri, accessLog, rateLimits, EdgeTrace.OFF);
    }

    /** The port name Kedai's Ingresses route to; every other port (admin, grpc) stays unrouted. */
    public static final String ROUTED_PORT = "http";
}

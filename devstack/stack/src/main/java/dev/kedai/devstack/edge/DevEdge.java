package dev.kedai.devstack.edge;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.Filter;
import org.apache.hc.core5.io.CloseMode;

/**
 * The devstack's stand-in for Kong: a Helidon WebServer whose routes and plugins are read from
 * the {@code kong-ingress/} manifests at start (there is no other route table), proxying to the
 * services with a keep-alive connection pool, round robin over a Service's instances that are
 * healthy ({@link Upstream}).
 *
 * <pre>{@code
 * try (DevEdge edge = DevEdge.start(new EdgeSettings(8080, root.resolve("kong-ingress"),
 *         Map.of("kedai-stock", URI.create("http://127.0.0.1:8002"), ...), jwks, logFile, true))) {
 *     ... http://127.0.0.1:8080/stock ...
 * }
 * }</pre>
 */
public final class DevEdge implements AutoCloseable {
    /** How long a stop waits for the requests in flight (idle keep-alive connections close at once). */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);
    /** Connections per instance at most (a request waits up to 5 s for one beyond); idle ones close after 30 s. */
    static final int POOL_SIZE = 512;
    /** Kong's default read timeout: an upstream silent for longer is answered 504. */
    static final Duration KONG_READ_TIMEOUT = Duration.ofSeconds(60);

    private final WebServer server;
    private final KongRouter router;
    private final AccessLog accessLog;
    private final List<Upstream> upstreams;
    private final UpstreamClient client;

    private DevEdge(WebServer server, KongRouter router, AccessLog accessLog, List<Upstream> upstreams,
                    UpstreamClient client) {
        this.server = server;
        this.router = router;
        this.accessLog = accessLog;
        this.upstreams = upstreams;
        this.client = client;
    }

    /**
     * Loads the manifests, checks that every route's backend is a known Service's {@code http}
     * port and every plugin exists and is supported, then listens.
     *
     * @throws IllegalStateException naming the manifest problem
     */
    public static DevEdge start(EdgeSettings settings) {
        return start(settings, Clock.systemUTC(), KONG_READ_TIMEOUT);
    }

    /** With the clock of the rate-limiting and jwt plugins and the upstream read timeout (tests). */
    static DevEdge start(EdgeSettings settings, Clock clock, Duration readTimeout) {
        KongManifests manifests = KongManifests.load(settings.manifests());
        KongRouter router = KongRouter.of(manifests);
        if (router.routes().isEmpty()) {
            throw new IllegalStateException("no Ingress of class kong in " + settings.manifests());
        }
        Map<Backend, Upstream> upstreams = new HashMap<>();
        Map<String, Upstream> byService = new HashMap<>();
        RoutePlugins.Factory factory = new RoutePlugins.Factory(manifests, new JwksKeys(settings.jwksUri()),
                clock, settings.rateLimits());
        Map<String, RoutePlugins> byIngress = new HashMap<>();
        for (KongRoute route : router.routes()) {
            Backend backend = route.backend();
            if (!EdgeSettings.ROUTED_PORT.equals(backend.port())) {
                throw new IllegalStateException("Ingress " + route.ingress() + " routes " + backend
                        + ": only the port named " + EdgeSettings.ROUTED_PORT + " of a service may be routed");
            }
            List<UpstreamTarget> targets = settings.upstreams().get(backend.service());
            if (targets == null) {
                throw new IllegalStateException("Ingress " + route.ingress() + " routes to Service " + backend.service()
                        + ", which the devstack does not run (it runs " + new TreeSet<>(settings.upstreams().keySet()) + ")");
            }
            // one balancer per Service, shared by every route to it (as Kong's upstream)
            upstreams.put(backend, byService.computeIfAbsent(backend.service(), name -> new Upstream(name, targets)));
            byIngress.computeIfAbsent(route.ingress(), i -> factory.forRoute(route));
        }
        RoutePlugins global = factory.global();

        UpstreamClient client = new UpstreamClient(POOL_SIZE, readTimeout);
        AccessLog accessLog = new AccessLog(settings.accessLog());
        EdgeProxy proxy = new EdgeProxy(router, byIngress, global, upstreams, client, accessLog, settings.trace());
        try {
            WebServer server = WebServer.builder()
                    .host(settings.host())
                    .port(settings.port())
                    .featuresDiscoverServices(false)
                    .shutdownHook(false)
                    // a stop lets requests in flight finish (Helidon's default is 0.5 s, then they are
                    // interrupted and the client may get a 500): nginx's graceful quit, bounded
                    .shutdownGracePeriod(SHUTDOWN_GRACE)
                    // the API reference before the proxy (kong-ingress/ routes nothing under /docs)
                    .routing(r -> r.addFilter(clearStopInterrupt())
                            .register(ApiDocsPage.PATH, new ApiDocsPage(settings.services(), client))
                            .any(proxy))
                    .build()
                    .start();
            return new DevEdge(server, router, accessLog, List.copyOf(byService.values()), client);
        } catch (RuntimeException e) {
            byService.values().forEach(Upstream::close);
            accessLog.close();
            client.close(CloseMode.IMMEDIATE);
            throw e;
        }
    }

    /**
     * Helidon 4.1.7 closes a connection it takes for idle by interrupting its thread. A request
     * that arrived in that instant would run interrupted (its relay's blocking calls failing) and
     * be followed by a stray "500 Failed to wait for pipeline", which the client reads as the
     * answer to its next request (the fault suite saw it once while the edge stopped). Nginx's
     * graceful quit finishes such a request, and so does this: the interrupt is cleared before and
     * after it; the connection still closes afterwards. The services' servers do the same in
     * {@code KedaiServer}, which the edge does not use.
     */
    static Filter clearStopInterrupt() {
        return (chain, req, res) -> {
            Thread.interrupted();
            try {
                chain.proceed();
            } finally {
                Thread.interrupted();
            }
        };
    }

    public int port() {
        return server.port();
    }

    /** {@code http://127.0.0.1:<port>}. */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + port());
    }

    public KongRouter router() {
        return router;
    }

    public java.nio.file.Path accessLogFile() {
        return accessLog.file();
    }

    @Override
    public void close() {
        if (server.isRunning()) {
            server.stop();
        }
        upstreams.forEach(Upstream::close);
        client.close();
        accessLog.close();
    }
}

package dev.kedai.platform.server;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import dev.kedai.platform.grpc.GrpcCallers;
import dev.kedai.platform.grpc.GrpcServer;
import dev.kedai.platform.grpc.GrpcTls;
import dev.kedai.platform.http.CanonicalPath;
import dev.kedai.platform.http.Problems;
import dev.kedai.platform.http.SecurityHeaders;
import dev.kedai.platform.observe.RedMetrics;
import dev.kedai.platform.observe.RequestId;
import dev.kedai.platform.observe.RouteTemplates;
import dev.kedai.platform.observe.ServiceName;
import dev.kedai.platform.observe.Tracing;
import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.helidon.config.Config;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.http.HeaderValues;
import io.helidon.openapi.OpenApiFeature;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.cors.CorsFeature;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.health.HealthObserverConfig;
import io.helidon.webserver.observe.metrics.MetricsObserver;

/**
 * The bootstrap of every Kedai service, so each {@code Main} only wires its own parts:
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *     Config config = KedaiConfig.load();             // application.yaml + env + -D; JSON logs
 *     StockStore store = ...;
 *     KedaiServer.builder("stock", config)
 *             .routing(rules -> rules.register("/stock", new StockHttp(store)))
 *             .readiness(dbHealth, kafkaHealth)        // only /observe/health/ready depends on them
 *             .grpc(StockGrpc.CALLERS, new StockGrpc(store))
 *             .onStop(store::close)                     // closed after the servers, in reverse order
 *             .build()
 *             .start();
 * }
 * }</pre>
 *
 * What it sets up:
 * <ul>
 * <li>the HTTP server from {@code server.*}: the default socket ({@code server.port},
 *     {@code server.max-payload-size}) and the {@code admin} socket
 *     ({@code server.sockets[name=admin].port}; a free port when not configured);</li>
 * <li>on the default socket: {@link ServiceName} (X-Kedai-Service: the service's name),
 *     {@link SecurityHeaders} (nosniff; no-store unless an anonymous read),
 *     {@link RequestId} (X-Request-ID on every answer and in every log line), {@link RedMetrics},
 *     {@link CanonicalPath} (400 for a path spelled other than plainly: {@code ;x}, {@code %2F}, {@code ..}),
 *     the one error handler of {@link Problems} (RFC 9457 bodies, also for transport errors such
 *     as 413), route templates for metrics ({@link RouteTemplates}),
 *     {@code /openapi} from the service's {@code META-INF/openapi.yaml}, and CORS when a
 *     {@code cors} config section exists;</li>
 * <li>on the admin socket only: {@code /observe/health/{live,ready,started}} and
 *     {@code /observe/metrics} (Prometheus text). Liveness has only the JVM checks;</li>
 * <li>the gRPC server ({@link GrpcServer}) on {@code grpc.host}:{@code grpc.port} when services are
 *     given: mutual TLS with the service's certificate ({@code grpc.tls.*}), each method only to
 *     the callers its table names (and {@code grpc.allow} adds), {@code grpc.health.v1}, reflection only with
 *     {@code grpc.reflection: true};</li>
 * <li>stopping ({@link #stop()}, or the JVM shutdown hook on SIGTERM), so that no accepted
 *     request is cut: readiness turns DOWN and gRPC health NOT_SERVING at once; after
 *     {@code shutdown.drain-delay} (default 0: in Kubernetes the preStop pause does the waiting)
 *     the gRPC server refuses new calls and the HTTP listeners close, while calls already running
 *     finish for up to {@code server.shutdown-grace-period} (HTTP, Helidon's) and
 *     {@code grpc.shutdown-grace} (default 5 s) side by side; then the {@code onStop} resources
 *     close in reverse order (consumers commit what they finished, loops stop, pools close).</li>
 * </ul>
 *
 * Routes must be added through {@link Builder#routing(Consumer)}: the rules given there record
 * each route's template for the metrics.
 */
public final class KedaiServer implements AutoCloseable {

    /** Name of the socket serving health and metrics. */
    public static final String ADMIN_SOCKET = "admin";

    private static final System.Logger LOG = System.getLogger(KedaiServer.class.getName());

    private final String name;
    private final WebServer webServer;
    private final GrpcServer grpcServer;
    private final List<AutoCloseable> closers;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final Thread shutdownHook;
    private final Duration drainDelay;
    private final Draining draining;
    private final Tracing tracing;

    private KedaiServer(Builder b) {
        this.name = b.name;
        this.drainDelay = b.config.get("shutdown.drain-delay").as(Duration.class).orElse(Duration.ZERO);
        this.draining = b.draining;
        this.tracing = Tracing.of(b.config);
        b.readiness.add(draining);
        this.webServer = buildWebServer(b, tracing);
        this.grpcServer = b.grpcServices.isEmpty() ? null : buildGrpcServer(b, tracing);
        this.closers = List.copyOf(b.closers);   // after the gRPC server added its certificate reloads
        this.shutdownHook = new Thread(this::stop, name + "-shutdown");
    }

    /** A builder for the service called {@code name} (used in logs), configured by the root {@code config}. */
    public static Builder builder(String name, Config config) {
        return new Builder(name, config);
    }

    /** Starts HTTP and gRPC and registers the shutdown hook; on failure stops what started and rethrows. */
    public KedaiServer start() {
        try {
            webServer.start();
            if (!webServer.isRunning()) {
                // Helidon logs a listener that cannot bind and stops the others without throwing
                throw new IllegalStateException(name + " cannot start: an HTTP listener failed to bind (logged above)");
            }
            if (grpcServer != null) {
                grpcServer.start();
            }
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        LOG.log(Level.INFO, name + " started: http " + port() + ", admin " + adminPort()
                + grpcPort().map(p -> ", grpc " + p).orElse(""));
        return this;
    }

    /** Stops everything once, in reverse order of start; later calls do nothing. */
    public void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        try {
            if (Thread.currentThread() != shutdownHook) {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            }
        } catch (IllegalStateException | IllegalArgumentException ignored) {
            // JVM already shutting down, or never started
        }
        draining.set();
        if (grpcServer != null) {
            grpcServer.health().setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.NOT_SERVING);
        }
        LOG.log(Level.INFO, name + " stopping: unready now, draining in-flight calls");
        pause(drainDelay);
        if (grpcServer != null) {
            grpcServer.beginShutdown();
        }
        if (webServer.isRunning()) {
            webServer.stop();   // closes the listeners, lets running requests finish (server.shutdown-grace-period)
        }
        if (grpcServer != null) {
            grpcServer.close();
        }
        List<AutoCloseable> reversed = new ArrayList<>(closers);
        Collections.reverse(reversed);
        for (AutoCloseable c : reversed) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "closing " + c + " failed", e);
            }
        }
        tracing.flush();
        LOG.log(Level.INFO, name + " stopped");
    }

    @Override
    public void close() {
        stop();
    }

    // an interrupt only ends the delay early: the rest of the stop must still run, and Helidon's
    // stop refuses to start on an interrupted thread
    private static void pause(Duration d) {
        if (d.isZero() || d.isNegative()) {
            return;
        }
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            LOG.log(Level.DEBUG, "drain delay cut short");
        }
    }

    /**
     * Readiness check "shutdown": DOWN from the moment the server begins to stop. From then on
     * every answer also says {@code Connection: close}, so proxies (Kong, the dev edge) stop
     * reusing their kept-alive connections and no request is sent on one the server is about to
     * cut when its grace period ends.
     */
    private static final class Draining implements HealthCheck {
        private volatile boolean draining;

        void set() {
            draining = true;
        }

        boolean isSet() {
            return draining;
        }

        /**
         * Also clears, once the request is answered, an interrupt from the stop: Helidon 4.1.7
         * closes a connection it takes for idle by interrupting its thread, and one whose request
         * arrived in that instant would otherwise write a stray 500 after the answer, which the
         * client reads as the answer to its next request. The connection still closes after this
         * request (Helidon's close also told it to stop).
         */
        Filter connectionClose() {
            return (chain, req, res) -> {
                if (draining) {
                    res.header(HeaderValues.CONNECTION_CLOSE);
                }
                try {
                    chain.proceed();
                } finally {
                    Thread.interrupted();
                }
            };
        }

        @Override
        public HealthCheckType type() {
            return HealthCheckType.READINESS;
        }

        @Override
        public String name() {
            return "shutdown";
        }

        @Override
        public HealthCheckResponse call() {
            return HealthCheckResponse.builder()
                    .status(draining ? HealthCheckResponse.Status.DOWN : HealthCheckResponse.Status.UP)
                    .build();
        }
    }

    public String name() {
        return name;
    }

    /** Port of the default (service) socket. */
    public int port() {
        return webServer.port();
    }

    /** Port of the admin socket (health, metrics). */
    public int adminPort() {
        return webServer.port(ADMIN_SOCKET);
    }

    /** Port of the gRPC server, when the service has gRPC services. */
    public Optional<Integer> grpcPort() {
        return Optional.ofNullable(grpcServer).map(GrpcServer::port);
    }

    /** The gRPC server (e.g. to flip its health status), when the service has gRPC services. */
    public Optional<GrpcServer> grpcServer() {
        return Optional.ofNullable(grpcServer);
    }

    /** The Helidon server, for what this class does not cover. */
    public WebServer webServer() {
        return webServer;
    }

    private static GrpcServer buildGrpcServer(Builder b, Tracing tracing) {
        GrpcTls tls = GrpcTls.load(b.config);
        b.onStop(tls);
        GrpcServer.Builder grpc = GrpcServer.builder(b.config.get("grpc.port").asInt().orElse(0));
        tracing.grpcServer().ifPresent(grpc::addOutermostInterceptor);
        return grpc
                .host(b.config.get("grpc.host").asString().orElse("127.0.0.1"))
                .tls(tls)
                .callers(b.grpcCallers.plus(b.config.get("grpc.allow")))
                .reflection(b.config.get("grpc.reflection").asBoolean().orElse(false))
                .addServices(b.grpcServices)
                .shutdownGrace(b.config.get("grpc.shutdown-grace").as(Duration.class).orElse(Duration.ofSeconds(5)))
                .build();
    }

    private static WebServer buildWebServer(Builder b, Tracing tracing) {
        Config server = b.config.get("server");
        WebServerConfig.Builder web = WebServer.builder()
                .config(server)
                // features are added explicitly: discovered ones would serve /observe on the public port
                .featuresDiscoverServices(false)
                // we stop in our own order (HTTP, gRPC, resources) from our own hook
                .shutdownHook(false)
                .directHandlers(Problems.directHandlers());
        if (!web.sockets().containsKey(ADMIN_SOCKET)) {
            LOG.log(Level.WARNING, "server.sockets has no '" + ADMIN_SOCKET + "' socket: serving health and metrics on a free port");
            web.putSocket(ADMIN_SOCKET, s -> s.host(web.host()).port(0));
        }

        HttpRouting.Builder routing = HttpRouting.builder()
                .addFilter(b.draining.connectionClose())
                .addFilter(ServiceName.filter(b.name))
                .addFilter(SecurityHeaders.filter())
                .addFilter(RequestId.filter())
                .addFilter(RedMetrics.create())
                .addFilter(CanonicalPath.filter());
        Problems.register(routing, b.draining::isSet);
        tracing.httpFilter().ifPresent(routing::addFilter);
        b.filters.forEach(routing::addFilter);
        HttpRules rules = RouteTemplates.wrap(routing);
        b.routings.forEach(r -> r.accept(rules));
        web.routing(routing);

        HealthObserverConfig.Builder health = HealthObserver.builder().details(true);
        b.readiness.forEach(c -> health.addCheck(c, HealthCheckType.READINESS));
        b.liveness.forEach(c -> health.addCheck(c, HealthCheckType.LIVENESS));
        b.startup.forEach(c -> health.addCheck(c, HealthCheckType.STARTUP));
        web.addFeature(ObserveFeature.builder()
                .sockets(List.of(ADMIN_SOCKET))
                .addObserver(health.build())
                .addObserver(MetricsObserver.create())
                .build());
        web.addFeature(OpenApiFeature.builder().config(b.config.get("openapi")).build());
        b.config.get("cors").ifExists(cors -> web.addFeature(CorsFeature.create(cors)));
        return web.build();
    }

    /** Collects what a service brings; see the class comment for an example. */
    public static final class Builder {
        private final String name;
        private final Config config;
        private final List<Consumer<HttpRules>> routings = new ArrayList<>();
        private final List<Filter> filters = new ArrayList<>();
        private final List<HealthCheck> readiness = new ArrayList<>();
        private final List<HealthCheck> liveness = new ArrayList<>();
        private final List<HealthCheck> startup = new ArrayList<>();
        private final List<BindableService> grpcServices = new ArrayList<>();
        private GrpcCallers grpcCallers;
        private final List<AutoCloseable> closers = new ArrayList<>();
        private final Draining draining = new Draining();

        private Builder(String name, Config config) {
            this.name = Objects.requireNonNull(name);
            this.config = Objects.requireNonNull(config);
        }

        /** Adds routes: {@code rules -> rules.register("/stock", stockHttp).get("/x", handler)}. May be called more than once. */
        public Builder routing(Consumer<HttpRules> routing) {
            routings.add(routing);
            return this;
        }

        /**
         * A filter run on every request of the service socket, after the request id and metrics
         * filters (so its errors are problem+json with a request id), e.g. the security
         * {@code Authentication}. Filters run in the order added.
         */
        public Builder filter(Filter filter) {
            filters.add(filter);
            return this;
        }

        /** Checks that must pass before traffic is sent (DB, Kafka, Redis): {@code /observe/health/ready}. */
        public Builder readiness(HealthCheck... checks) {
            readiness.addAll(List.of(checks));
            return this;
        }

        /** Checks that, failing, mean the process must be restarted. Never a dependency's health. */
        public Builder liveness(HealthCheck... checks) {
            liveness.addAll(List.of(checks));
            return this;
        }

        /** Checks of a slow start (e.g. migrations done): {@code /observe/health/started}. */
        public Builder startup(HealthCheck... checks) {
            startup.addAll(List.of(checks));
            return this;
        }

        /**
         * gRPC services, served on {@code grpc.port} ({@code grpc.host}, default 127.0.0.1) over mutual
         * TLS ({@code grpc.tls.*}), each method only to the services {@code callers} names.
         */
        public Builder grpc(GrpcCallers callers, BindableService... services) {
            if (grpcCallers != null) {
                throw new IllegalStateException("grpc(...) is given once, with one callers table for all its services");
            }
            grpcCallers = callers;
            grpcServices.addAll(List.of(services));
            return this;
        }

        /** Resources to close when the server stops (after HTTP and gRPC), in reverse order of adding. */
        public Builder onStop(AutoCloseable resource) {
            closers.add(resource);
            return this;
        }

        public KedaiServer build() {
            return new KedaiServer(this);
        }
    }
}

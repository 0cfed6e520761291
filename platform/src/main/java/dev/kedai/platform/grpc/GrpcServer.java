package dev.kedai.platform.grpc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;

/**
 * A service's gRPC server: grpc-java's Netty server (Helidon 4.1.7's own gRPC server loses
 * status codes, see DESIGN §2) on its own port, over mutual TLS ({@link GrpcTls}: there is no
 * plaintext mode), serving the given services plus {@code grpc.health.v1.Health} and, only when
 * asked ({@link Builder#reflection}), server reflection. Every service call goes, outermost first,
 * through {@link GrpcErrors} (the one mapping from a thrown exception to the caller's status),
 * then {@link GrpcCallers} (the caller's certificate names a service allowed to call the method,
 * else UNAUTHENTICATED / PERMISSION_DENIED before the handler runs), then the interceptors the
 * platform adds ({@link Builder#addInterceptor}).
 *
 * <pre>{@code
 * GrpcServer grpc = GrpcServer.builder(config.get("grpc.port").asInt().orElse(7002))
 *         .tls(GrpcTls.load(config))
 *         .callers(StockGrpc.CALLERS)
 *         .addService(new StockGrpc(store))
 *         .build().start();
 * ...
 * grpc.close();   // stops taking calls, lets running ones finish for up to the grace period
 * }</pre>
 *
 * Health: the overall status ("") and each service name are SERVING once started and
 * NOT_SERVING from the moment {@link #close()} begins.
 */
public final class GrpcServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(GrpcServer.class.getName());
    /** How long a caller's connection lasts before the server asks it to reconnect (docs/capacity.md). */
    static final Duration MAX_CONNECTION_AGE = Duration.ofMinutes(1);
    static final Duration MAX_CONNECTION_AGE_GRACE = Duration.ofSeconds(10);

    private final Server server;
    private final HealthStatusManager health;
    private final List<String> serviceNames;
    private final Duration grace;
    private final String address;

    private GrpcServer(Builder b) {
        this.health = new HealthStatusManager();
        this.address = b.host + ":" + b.port;
        this.grace = b.grace;
        if (b.tls == null || b.callers == null) {
            throw new IllegalStateException("a gRPC server needs its TLS identity (tls) and its callers table (callers)");
        }
        NettyServerBuilder nb = NettyServerBuilder.forAddress(new InetSocketAddress(b.host, b.port), b.tls.server())
                .withChildOption(ChannelOption.TCP_NODELAY, true)
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                // a caller reaching this service through a Kubernetes ClusterIP keeps one HTTP/2
                // connection, so one pod, for good: ending connections after a while makes callers
                // reconnect and spreads them over the pods, new ones after a scale-up included
                // (calls in flight get the grace to finish; the caller's channel reconnects unseen)
                .maxConnectionAge(MAX_CONNECTION_AGE.toSeconds(), TimeUnit.SECONDS)
                .maxConnectionAgeGrace(MAX_CONNECTION_AGE_GRACE.toSeconds(), TimeUnit.SECONDS)
                .maxInboundMessageSize(b.maxInboundMessageSize)
                .addService(health.getHealthService());
        if (b.reflection) {
            // lists every method and message: for debugging a development stack, never by default
            nb.addService(ProtoReflectionService.newInstance());
        }
        // the last interceptor runs first: the error mapping sees what every other one throws too,
        // and the callers check runs before anything else touches the call
        List<ServerInterceptor> interceptors = new ArrayList<>(b.interceptors);
        interceptors.add(b.callers);
        interceptors.add(new GrpcErrors());
        interceptors.addAll(b.outermost);
        List<String> names = new ArrayList<>();
        for (BindableService service : b.services) {
            ServerServiceDefinition definition = service.bindService();
            List<String> unnamed = b.callers.unnamed(definition);
            if (!unnamed.isEmpty()) {
                throw new IllegalStateException("the gRPC callers table names no caller for " + unnamed
                        + ": allow the services that need each method, or allowNone");
            }
            names.add(definition.getServiceDescriptor().getName());
            nb.addService(ServerInterceptors.intercept(definition, interceptors));
        }
        this.serviceNames = List.copyOf(names);
        this.server = nb.build();
    }

    /** A server on {@code port} (0 picks a free one), listening on 127.0.0.1 unless {@link Builder#host} says otherwise. */
    public static Builder builder(int port) {
        return new Builder(port);
    }

    /** Binds the port and marks every service SERVING. */
    public GrpcServer start() {
        try {
            server.start();
        } catch (IOException e) {
            // port() would throw here (not started), hiding the bind error
            throw new UncheckedIOException("cannot start the gRPC server on " + address + ": " + e.getMessage(), e);
        }
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
        serviceNames.forEach(name -> health.setStatus(name, ServingStatus.SERVING));
        LOG.log(System.Logger.Level.INFO, "gRPC server listening on port " + port() + " serving " + serviceNames);
        return this;
    }

    /** The bound port (the real one when built with port 0, once started). */
    public int port() {
        return server.getPort();
    }

    /** The health status manager, to mark a service NOT_SERVING while a dependency is down. */
    public HealthStatusManager health() {
        return health;
    }

    /** Names of the services served (without health and reflection). */
    public List<String> serviceNames() {
        return serviceNames;
    }

    /**
     * Begins the graceful stop without waiting: NOT_SERVING, and new calls are refused while the
     * running ones go on ({@link #close()} then waits for them).
     */
    public void beginShutdown() {
        if (!server.isShutdown()) {
            health.enterTerminalState();
            server.shutdown();
        }
    }

    /** Graceful stop: NOT_SERVING, refuse new calls, wait up to the grace period, then cancel what still runs. */
    @Override
    public void close() {
        beginShutdown();
        try {
            if (!server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                server.shutdownNow();
                server.awaitTermination(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    public static final class Builder {
        private final int port;
        private String host = "127.0.0.1";
        private GrpcTls tls;
        private GrpcCallers callers;
        private boolean reflection;
        private Duration grace = Duration.ofSeconds(5);
        private int maxInboundMessageSize = 4 * 1024 * 1024;
        private final List<BindableService> services = new ArrayList<>();
        private final List<ServerInterceptor> interceptors = new ArrayList<>();
        private final List<ServerInterceptor> outermost = new ArrayList<>();

        private Builder(int port) {
            this.port = port;
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** The service's identity and the CA it trusts (required). */
        public Builder tls(GrpcTls tls) {
            this.tls = tls;
            return this;
        }

        /** Which services may call which method (required; every served method must be named). */
        public Builder callers(GrpcCallers callers) {
            this.callers = callers;
            return this;
        }

        /** Serve gRPC server reflection (default off: it lists every method to whoever connects). */
        public Builder reflection(boolean reflection) {
            this.reflection = reflection;
            return this;
        }

        public Builder addService(BindableService service) {
            services.add(service);
            return this;
        }

        public Builder addServices(List<? extends BindableService> more) {
            services.addAll(more);
            return this;
        }

        /**
         * Applied to every service added (not to health and reflection), e.g. the check of the
         * calling service's identity; the last added runs first, all inside {@link GrpcErrors}.
         */
        public Builder addInterceptor(ServerInterceptor interceptor) {
            interceptors.add(interceptor);
            return this;
        }

        /** Runs outside {@link GrpcErrors}, so it sees the status each call ends with (tracing). */
        public Builder addOutermostInterceptor(ServerInterceptor interceptor) {
            outermost.add(interceptor);
            return this;
        }

        /** How long {@link GrpcServer#close()} lets running calls finish (default 5 s). */
        public Builder shutdownGrace(Duration grace) {
            this.grace = grace;
            return this;
        }

        public Builder maxInboundMessageSize(int bytes) {
            this.maxInboundMessageSize = bytes;
            return this;
        }

        public GrpcServer build() {
            return new GrpcServer(this);
        }
    }
}

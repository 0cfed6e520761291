package dev.kedai.platform.grpc;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;

/**
 * Which services may call which method of a gRPC server: the service's own table, checked by the
 * platform on every call before the handler runs (so before any data is read).
 *
 * <ul>
 * <li>no client certificate (or one naming no Kedai service, see {@link ServiceIdentity}) →
 *     {@code UNAUTHENTICATED};</li>
 * <li>a service not listed for the method → {@code PERMISSION_DENIED};</li>
 * <li>a method not in the table is refused to everyone; {@link GrpcServer} refuses to start with
 *     a method the table does not name, so every method is a decision.</li>
 * </ul>
 *
 * The certificate itself was already checked against the CA by the TLS handshake ({@link GrpcTls}).
 *
 * <p>The table is the service's code. A deployment may grant more callers, e.g. an operator's
 * tool with a certificate of its own, in config {@code grpc.allow} ({@link #plus}):
 * <pre>{@code
 * grpc:
 *   allow:
 *     - method: kedai.stock.v1.StockService/GetLevels
 *       callers: [ops-console]
 * }</pre>
 *
 * <pre>{@code
 * static final GrpcCallers CALLERS = GrpcCallers.builder()
 *         .allow(StockServiceGrpc.getReserveMethod(), "cartorder")
 *         .allowNone(StockServiceGrpc.getGetLevelsMethod())      // no service needs it today
 *         .build();
 * }</pre>
 */
public final class GrpcCallers implements ServerInterceptor {

    private static final System.Logger LOG = System.getLogger(GrpcCallers.class.getName());

    private final Map<String, Set<String>> callers;

    private GrpcCallers(Map<String, Set<String>> callers) {
        this.callers = Map.copyOf(callers);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The services allowed to call {@code fullMethodName} ({@code kedai.stock.v1.StockService/Reserve}); empty if none. */
    public Set<String> allowed(String fullMethodName) {
        return callers.getOrDefault(fullMethodName, Set.of());
    }

    /**
     * This table and the grants of {@code allow} (the {@code grpc.allow} list of
     * {@code {method, callers}}), which may name only methods of the table.
     */
    public GrpcCallers plus(io.helidon.common.config.Config allow) {
        Map<String, Set<String>> merged = new LinkedHashMap<>(callers);
        for (io.helidon.common.config.Config grant : allow.asNodeList().orElse(List.of())) {
            String method = grant.get("method").asString().orElseThrow(
                    () -> new IllegalStateException("grpc.allow: an entry without method"));
            if (!merged.containsKey(method)) {
                throw new IllegalStateException("grpc.allow names " + method + ", which this service does not serve");
            }
            List<String> more = grant.get("callers").asList(String.class).orElse(List.of());
            more.forEach(ServiceIdentity::uri);
            Set<String> all = new java.util.LinkedHashSet<>(merged.get(method));
            all.addAll(more);
            merged.put(method, Set.copyOf(all));
        }
        return new GrpcCallers(merged);
    }

    /** Every method of {@code service} that the table does not name (to refuse a start). */
    List<String> unnamed(ServerServiceDefinition service) {
        return service.getMethods().stream().map(m -> m.getMethodDescriptor().getFullMethodName())
                .filter(m -> !callers.containsKey(m)).toList();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        Optional<String> caller = caller(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        if (caller.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "refused " + method + " to an unauthenticated caller from "
                    + call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
            throw Status.UNAUTHENTICATED.withDescription("a Kedai service's client certificate is required")
                    .asRuntimeException();
        }
        if (!allowed(method).contains(caller.get())) {
            LOG.log(System.Logger.Level.WARNING, "refused " + method + " to " + caller.get());
            throw Status.PERMISSION_DENIED.withDescription(caller.get() + " may not call " + method)
                    .asRuntimeException();
        }
        return next.startCall(call, headers);
    }

    /** The service named by the caller's certificate, if it sent one. */
    static Optional<String> caller(SSLSession session) {
        if (session == null) {
            return Optional.empty();
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x509 ? ServiceIdentity.of(x509) : Optional.empty();
        } catch (SSLPeerUnverifiedException noCertificate) {
            return Optional.empty();
        }
    }

    public static final class Builder {
        private final Map<String, Set<String>> callers = new LinkedHashMap<>();

        private Builder() {
        }

        /** {@code method} may be called by these services (their names, e.g. "cartorder"). */
        public Builder allow(MethodDescriptor<?, ?> method, String... services) {
            for (String s : services) {
                ServiceIdentity.uri(s);   // a misspelt name fails here, not at the first call
            }
            if (callers.putIfAbsent(method.getFullMethodName(), Set.of(services)) != null) {
                throw new IllegalArgumentException(method.getFullMethodName() + " is named twice");
            }
            return this;
        }

        /** {@code method} is served but no service may call it (no caller needs it). */
        public Builder allowNone(MethodDescriptor<?, ?> method) {
            return allow(method);
        }

        public GrpcCallers build() {
            return new GrpcCallers(callers);
        }
    }
}

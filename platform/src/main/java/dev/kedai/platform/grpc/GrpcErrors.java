package dev.kedai.platform.grpc;

import java.lang.System.Logger.Level;

import dev.kedai.platform.db.TransientFailures;
import dev.kedai.platform.http.AdmissionRefused;
import dev.kedai.platform.http.ProblemException;
import dev.kedai.platform.security.ForbiddenException;
import dev.kedai.platform.security.UnauthorizedException;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.helidon.faulttolerance.BulkheadException;
import io.helidon.faulttolerance.CircuitBreakerOpenException;
import io.helidon.faulttolerance.TimeoutException;

/**
 * The server side's one mapping from what a gRPC handler throws to the status its caller gets,
 * installed by {@link GrpcServer} around every service (outside any other interceptor), so a
 * handler only answers or throws:
 *
 * <table>
 * <tr><th>thrown</th><th>status</th></tr>
 * <tr><td>{@code StatusRuntimeException} / {@code StatusException} (the handler's own refusals:
 *     {@code Status.NOT_FOUND.withDescription(..).asRuntimeException()})</td><td>as is</td></tr>
 * <tr><td>{@link UnauthorizedException} / {@link ForbiddenException}</td><td>UNAUTHENTICATED / PERMISSION_DENIED</td></tr>
 * <tr><td>{@link ProblemException} 400, 422 / 404 / 409 / 429</td>
 *     <td>INVALID_ARGUMENT / NOT_FOUND / FAILED_PRECONDITION / RESOURCE_EXHAUSTED</td></tr>
 * <tr><td>{@link AdmissionRefused} (busy: this instance refuses this kind of call first)</td><td>RESOURCE_EXHAUSTED:
 *     the caller answers its client 503 and neither queues the work for later nor counts it in its breaker</td></tr>
 * <tr><td>a transient failure ({@link TransientFailures}: database connection, pool, lock conflict), an open
 *     circuit or a full bulkhead, {@link ProblemException} 503</td><td>UNAVAILABLE (logged, one line), with the
 *     trailer {@link #SHED}: this service is up and shed the call, so the caller's breaker does not count it
 *     ({@link PeerBreaker})</td></tr>
 * <tr><td>a fault-tolerance timeout, {@link ProblemException} 504</td><td>DEADLINE_EXCEEDED</td></tr>
 * <tr><td>anything else (a bug)</td><td>UNKNOWN "unexpected error", logged with its stack trace (as grpc-java
 *     answers an uncaught exception, without leaking its message)</td></tr>
 * </table>
 */
public final class GrpcErrors implements ServerInterceptor {

    private static final System.Logger LOG = System.getLogger(GrpcErrors.class.getName());

    /**
     * Trailer of an UNAVAILABLE this service answered itself ("busy or a dependency is away, try
     * again"), as opposed to one the caller's transport makes up when it reaches nobody.
     */
    static final Metadata.Key<String> SHED = Metadata.Key.of("kedai-shed", Metadata.ASCII_STRING_MARSHALLER);

    /** The status {@code failure} is answered with (without logging). */
    public static Status status(Throwable failure) {
        if (failure instanceof StatusRuntimeException s) {
            return s.getStatus();
        }
        if (failure instanceof StatusException s) {
            return s.getStatus();
        }
        if (failure instanceof UnauthorizedException) {
            return Status.UNAUTHENTICATED.withDescription(failure.getMessage());
        }
        if (failure instanceof ForbiddenException) {
            return Status.PERMISSION_DENIED.withDescription(failure.getMessage());
        }
        if (failure instanceof AdmissionRefused refused) {
            return Status.RESOURCE_EXHAUSTED.withDescription(refused.problem().detail());
        }
        if (failure instanceof ProblemException p) {
            Status status = switch (p.problem().status()) {
                case 400, 422 -> Status.INVALID_ARGUMENT;
                case 401 -> Status.UNAUTHENTICATED;
                case 403 -> Status.PERMISSION_DENIED;
                case 404 -> Status.NOT_FOUND;
                case 409 -> Status.FAILED_PRECONDITION;
                case 429 -> Status.RESOURCE_EXHAUSTED;
                case 503 -> Status.UNAVAILABLE;
                case 504 -> Status.DEADLINE_EXCEEDED;
                default -> Status.UNKNOWN;
            };
            return status.withDescription(p.problem().detail());
        }
        if (failure instanceof CircuitBreakerOpenException || failure instanceof BulkheadException
                || TransientFailures.isTransient(failure)) {
            return Status.UNAVAILABLE.withDescription("a dependency is unavailable, try again later");
        }
        if (failure instanceof TimeoutException) {
            return Status.DEADLINE_EXCEEDED.withDescription("a dependency did not answer in time");
        }
        return Status.UNKNOWN.withDescription("unexpected error");
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        ServerCall.Listener<Q> listener;
        try {
            listener = next.startCall(call, headers);
        } catch (RuntimeException e) {
            close(call, e);
            return new ServerCall.Listener<>() {
            };
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            // a unary handler runs in onHalfClose; the others are guarded for streaming and interceptors
            @Override
            public void onMessage(Q message) {
                guarded(call, () -> super.onMessage(message));
            }

            @Override
            public void onHalfClose() {
                guarded(call, super::onHalfClose);
            }

            @Override
            public void onReady() {
                guarded(call, super::onReady);
            }
        };
    }

    private static void guarded(ServerCall<?, ?> call, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            close(call, e);
        }
    }

    private static void close(ServerCall<?, ?> call, RuntimeException failure) {
        Status status = status(failure);
        String method = call.getMethodDescriptor().getFullMethodName();
        if (status.getCode() == Status.Code.UNKNOWN) {
            LOG.log(Level.ERROR, method + " failed", failure);
        } else if (status.getCode() == Status.Code.UNAVAILABLE && !(failure instanceof StatusRuntimeException)) {
            // expected while a dependency is down: one line, no stack trace
            LOG.log(Level.WARNING, method + " answered UNAVAILABLE: " + failure);
        }
        Metadata trailers = Status.trailersFromThrowable(failure);
        trailers = trailers != null ? trailers : new Metadata();
        if (status.getCode() == Status.Code.UNAVAILABLE) {
            trailers.put(SHED, "1");
        }
        try {
            call.close(status, trailers);
        } catch (IllegalStateException alreadyClosed) {
            // the handler answered before it threw: its answer stands
            LOG.log(Level.WARNING, method + " threw after answering", failure);
        }
    }
}

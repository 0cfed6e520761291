package dev.kedai.platform.http;

import java.lang.System.Logger.Level;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;

import dev.kedai.platform.db.TransientFailures;
import dev.kedai.platform.grpc.PeerRejection;
import dev.kedai.platform.observe.RequestId;
import dev.kedai.platform.observe.ServiceName;
import dev.kedai.platform.observe.Tracing;
import dev.kedai.platform.security.ForbiddenException;
import dev.kedai.platform.security.KeysUnavailableException;
import dev.kedai.platform.security.UnauthorizedException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpException;
import io.helidon.logging.common.HelidonMdc;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Turns every exception that leaves a handler into an RFC 9457 answer, in one place.
 *
 * <table>
 * <tr><th>thrown</th><th>answer</th></tr>
 * <tr><td>{@link ProblemException}</td><td>its problem (400 validation, 404, 409, 422, 503, ...)</td></tr>
 * <tr><td>{@link UnauthorizedException}</td><td>401 + {@code WWW-Authenticate: Bearer}</td></tr>
 * <tr><td>{@link ForbiddenException}</td><td>403</td></tr>
 * <tr><td>{@link KeysUnavailableException}</td><td>503 (the client's token may be fine)</td></tr>
 * <tr><td>gRPC {@code UNAVAILABLE} / {@code DEADLINE_EXCEEDED}</td><td>503 / 504</td></tr>
 * <tr><td>a peer's refusal ({@link PeerRejection}) the caller did not handle: {@code NOT_FOUND} /
 *     {@code INVALID_ARGUMENT}, {@code OUT_OF_RANGE} / {@code FAILED_PRECONDITION}, {@code ALREADY_EXISTS}</td>
 *     <td>404 / 400 / 409 (the peer's description as the detail)</td></tr>
 * <tr><td>any other gRPC status (a peer's INTERNAL, UNIMPLEMENTED, PERMISSION_DENIED, ...)</td><td>503: the
 *     dependency failed, not this request</td></tr>
 * <tr><td>fault tolerance: open circuit / full bulkhead / timeout</td><td>503 / 503 / 504</td></tr>
 * <tr><td>a transient failure anywhere in the causes ({@link TransientFailures}: connection refused, DB pool
 *     timeout, a lock conflict that outlived its retries), or a lost Redis connection</td><td>503</td></tr>
 * <tr><td>Helidon's {@link HttpException} (e.g. 404 no route, 405)</td><td>its status</td></tr>
 * <tr><td>anything else</td><td>500, logged with the request id; the body says nothing internal</td></tr>
 * </table>
 *
 * Every 503 carries {@code Retry-After: 1}: it always means "busy or a dependency away for now"
 * (a request pool that lends no connection within its short {@code connectionTimeout}, a full
 * bulkhead, an open circuit), and a client told when to come back does not hammer a service
 * that is shedding load.
 *
 * <p>Transport errors Helidon answers before routing (a body over {@code max-payload-size}, a bad
 * request line) go through {@link #directHandlers()} so they are problem+json too.
 */
public final class Problems {

    private static final System.Logger LOG = System.getLogger(Problems.class.getName());
    private static final String BUSY_RETRY_AFTER_SECONDS = "1";

    private Problems() {
    }

    /** Registers the one error handler on {@code routing}. */
    public static void register(HttpRouting.Builder routing) {
        register(routing, () -> false);
    }

    /**
     * Registers the one error handler on {@code routing}; while {@code stopping} is true, a failure
     * that would be a 500 answers 503 instead: once a stop has begun, Helidon interrupts the
     * requests still running when its grace period ends and the server's resources close, so such a
     * failure says "retry elsewhere", not "bug" (seen in the fault suite's restart-stock).
     */
    public static void register(HttpRouting.Builder routing, BooleanSupplier stopping) {
        routing.error(Throwable.class, (req, res, t) -> handle(req, res, t, stopping.getAsBoolean()));
    }

    /** Writes {@code problem} as {@code application/problem+json}. */
    public static void send(ServerResponse res, Problem problem) {
        // a user's bug report then leads to the trace
        Optional<String> traceId = Tracing.currentTraceId();
        if (traceId.isPresent()) {
            problem = problem.with("trace_id", traceId.get());
        }
        res.status(problem.status());
        res.header(HeaderNames.CONTENT_TYPE, Problem.MEDIA_TYPE);
        if (problem.status() == 401) {
            res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
        }
        res.send(Json.bytes(problem.toJson()));
    }

    /** The problem an exception answers with (without logging). */
    public static Problem toProblem(Throwable t) {
        if (t instanceof ProblemException p) {
            return p.problem();
        }
        if (t instanceof UnauthorizedException) {
            return Problem.of(401, safeMessage(t, "a valid bearer token is required"));
        }
        if (t instanceof ForbiddenException) {
            return Problem.of(403, safeMessage(t, "this needs another role"));
        }
        if (t instanceof KeysUnavailableException) {
            return Problem.of(503, "tokens cannot be checked right now, try again later");
        }
        if (t instanceof PeerRejection r && r.getCause() instanceof StatusRuntimeException s) {
            String detail = "refused by a service: " + s.getStatus().getDescription();
            switch (r.code()) {
                case NOT_FOUND -> {
                    return Problem.of(404, detail);
                }
                case INVALID_ARGUMENT, OUT_OF_RANGE -> {
                    return Problem.of(400, detail);
                }
                case FAILED_PRECONDITION, ALREADY_EXISTS -> {
                    return Problem.of(409, detail);
                }
                default -> {
                    return Problem.of(503, "a dependency failed, try again later");
                }
            }
        }
        if (t instanceof StatusRuntimeException s) {
            if (s.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
                return Problem.of(504, "a dependency did not answer in time");
            }
            // UNAVAILABLE, RESOURCE_EXHAUSTED, or a peer's own failure: never a 500 of this service
            return Problem.of(503, "a dependency is unavailable, try again later");
        }
        if (t instanceof io.helidon.faulttolerance.CircuitBreakerOpenException) {
            return Problem.of(503, "a dependency is unavailable, try again later");
        }
        if (t instanceof io.helidon.faulttolerance.BulkheadException) {
            return Problem.of(503, "too busy right now, try again later");
        }
        if (t instanceof io.helidon.faulttolerance.TimeoutException) {
            return Problem.of(504, "a dependency did not answer in time");
        }
        if (t instanceof HttpException h && h.status().code() < 500) {
            return Problem.of(h.status().code(), h.status().code() == 404 ? "no such resource" : h.status().reasonPhrase());
        }
        if (TransientFailures.isTransient(t) || lostRedis(t)) {
            return Problem.of(503, "a dependency is unavailable, try again later");
        }
        return Problem.of(500, "unexpected error");
    }

    // the deny list cannot be checked (or a cache not read): fail closed with 503, not 500
    private static boolean lostRedis(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof redis.clients.jedis.exceptions.JedisConnectionException) {
                return true;
            }
        }
        return false;
    }

    static void handle(ServerRequest req, ServerResponse res, Throwable t, boolean stopping) {
        // the request's span is no longer current here: resumed for the log line and the body's trace_id
        try (var span = Tracing.resume(req)) {
            answer(req, res, t, stopping);
        }
    }

    /**
     * The failure and what caused it, to the root, in one line: a wrapper's message alone often
     * hides why (Helidon's "Failed to create a connection to …" for a pool that lent none in time,
     * or a database that refused; Hikari's cause says which, with the pool's counts).
     */
    static String withCauses(Throwable t) {
        StringBuilder line = new StringBuilder(String.valueOf(t));
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        seen.add(t);
        for (Throwable c = t.getCause(); c != null && seen.add(c); c = c.getCause()) {
            line.append(" <- ").append(c);
        }
        return line.toString();
    }

    private static void answer(ServerRequest req, ServerResponse res, Throwable t, boolean stopping) {
        Problem problem = toProblem(t);
        if (problem.status() == 500 && stopping) {
            problem = Problem.of(503, "this instance is stopping, try again");
        }
        Optional<String> requestId = RequestId.of(req);
        requestId.ifPresent(id -> res.header(RequestId.HEADER, id));
        ServiceName.restore(req, res);
        SecurityHeaders.restore(req, res);
        if (problem.status() >= 500 && !(t instanceof AdmissionRefused)) {
            // the filter that set the MDC has already returned when error handlers run
            requestId.ifPresent(id -> HelidonMdc.set(RequestId.MDC_KEY, id));
            try {
                String line = req.prologue().method().text() + " " + req.path().absolute().rawPath() + " answered "
                        + problem.status() + ": " + withCauses(t);
                if (problem.status() == 500) {
                    LOG.log(Level.ERROR, line, t);
                } else {
                    // 503/504 are expected under overload, a peer outage or a stop: one line each, no stack trace
                    LOG.log(Level.WARNING, line);
                }
            } finally {
                HelidonMdc.remove(RequestId.MDC_KEY);
            }
            if (problem.status() == 500) {
                problem = Problem.of(500, "unexpected error" + requestId.map(id -> " (request id " + id + ")").orElse(""));
            }
        }
        if (res.isSent()) {
            return;
        }
        if (problem.status() == 503) {
            res.header(HeaderNames.RETRY_AFTER, BUSY_RETRY_AFTER_SECONDS);
        }
        send(res, problem);
    }

    /**
     * Answers of errors found below the routing (Helidon's {@code DirectHandler}): a body over
     * {@code max-payload-size} → 413, a malformed request → 400, a request over the listener's
     * {@code concurrency-limit} → 503 with Retry-After, each as problem+json with the client's
     * {@code X-Request-ID} echoed.
     */
    public static DirectHandlers directHandlers() {
        DirectHandlers.Builder builder = DirectHandlers.builder();
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            builder.addHandler(type, Problems::direct);
        }
        return builder.build();
    }

    private static DirectHandler.TransportResponse direct(DirectHandler.TransportRequest request,
                                                          DirectHandler.EventType type,
                                                          io.helidon.http.Status status,
                                                          io.helidon.http.ServerResponseHeaders headers,
                                                          String message) {
        int code = status.code();
        String detail = switch (code) {
            case 413 -> "the body is larger than this server accepts";
            case 500 -> "unexpected error";
            // the listener's concurrency limit (server.concurrency-limit) refused it before routing
            case 503 -> "this instance is busy; try again later";
            default -> code < 500 ? "the request could not be read" : status.reasonPhrase();
        };
        var response = DirectHandler.TransportResponse.builder()
                .status(status)
                .headers(headers)
                .header(HeaderNames.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .header(SecurityHeaders.NOSNIFF)
                .header(SecurityHeaders.NO_STORE)
                .entity(Json.bytes(Problem.of(code, detail).toJson()));
        if (code == 503) {
            response.header(HeaderNames.RETRY_AFTER, BUSY_RETRY_AFTER_SECONDS);
        }
        response.header(RequestId.HEADER, RequestId.fromClient(request.headers().first(RequestId.HEADER)));
        return response.build();
    }

    private static String safeMessage(Throwable t, String fallback) {
        // security exceptions carry messages written for clients ("token expired"); keep them short
        String m = t.getMessage();
        return m == null || m.isBlank() || m.length() > 200 ? fallback : m;
    }
}

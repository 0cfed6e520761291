package dev.kedai.platform.server;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import dev.kedai.platform.http.AdmissionRefused;
import io.helidon.config.Config;
import io.helidon.faulttolerance.Bulkhead;
import io.helidon.faulttolerance.BulkheadException;
import io.helidon.webserver.http.Handler;

/**
 * Priority when busy: how many requests of each kind an instance runs at once. Helidon's listener
 * limit ({@code server.concurrency-limit}) treats every request alike; a service gives the steps
 * that START work it must then finish (adding to carts, placing orders) a bulkhead of their own,
 * smaller than that limit, and the steps that FINISH it (payments) none, so an overloaded instance
 * refuses new purchases at once before it fails the ones under way.
 *
 * <p>A kind is a Helidon {@link Bulkhead}; its short queue absorbs a burst (what piles up behind a GC
 * pause), and once that is full too the next request is refused at once: {@link AdmissionRefused},
 * a route answers 503 problem+json with {@code Retry-After}, a gRPC method RESOURCE_EXHAUSTED,
 * which its caller's breaker does not count and which the caller answers its own client as 503
 * ({@code GrpcErrors}, {@code PeerBreaker}).
 *
 * <p>Config {@code admission.<kind>.limit}: requests of that kind in flight at most;
 * {@code admission.<kind>.queue} (default 0): how many more may wait for one of them. A kind without
 * the section is not limited here, so a service runs the same without it.
 */
public final class Admission {

    private final Map<String, Bulkhead> kinds = new HashMap<>();

    private Admission(Config config) {
        config.get("admission").asNodeList().orElse(List.of()).forEach(kind -> {
            int limit = kind.get("limit").asInt().orElseThrow(
                    () -> new IllegalArgumentException("admission." + kind.name() + " needs 'limit'"));
            if (limit < 1) {
                throw new IllegalArgumentException("admission." + kind.name() + ".limit must be at least 1: " + limit);
            }
            int queue = kind.get("queue").asInt().orElse(0);
            if (queue < 0) {
                throw new IllegalArgumentException("admission." + kind.name() + ".queue must not be negative: " + queue);
            }
            kinds.put(kind.name(), Bulkhead.create(b -> b.name(kind.name()).limit(limit).queueLength(queue)));
        });
    }

    /** The admission of a service, by its config's {@code admission} section. */
    public static Admission create(Config config) {
        return new Admission(config);
    }

    /** Runs {@code work} as one request of {@code kind}, or refuses it at once ({@link AdmissionRefused}). */
    public <T> T call(String kind, Supplier<T> work) {
        Bulkhead bulkhead = kinds.get(kind);
        return bulkhead == null ? work.get() : admit(bulkhead, work);
    }

    /** {@code handler} as requests of {@code kind}. */
    public Handler guard(String kind, Handler handler) {
        Bulkhead bulkhead = kinds.get(kind);
        if (bulkhead == null) {
            return handler;
        }
        return (req, res) -> {
            try {
                admit(bulkhead, () -> {
                    try {
                        handler.handle(req, res);
                        return null;
                    } catch (Exception e) {
                        throw new Thrown(e);
                    }
                });
            } catch (Thrown t) {
                throw t.failure;   // the handler's own exception, for the error mapping to answer as usual
            }
        };
    }

    private static <T> T admit(Bulkhead bulkhead, Supplier<T> work) {
        try {
            return bulkhead.invoke(work);
        } catch (BulkheadException e) {
            throw new AdmissionRefused();
        }
    }

    /** Carries what a handler threw through the bulkhead's {@code Supplier}. */
    private static final class Thrown extends RuntimeException {
        private final Exception failure;

        Thrown(Exception failure) {
            super(failure.getMessage(), failure, false, false);
            this.failure = failure;
        }
    }
}

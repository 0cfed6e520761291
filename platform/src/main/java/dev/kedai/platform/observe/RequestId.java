package dev.kedai.platform.observe;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.logging.common.HelidonMdc;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;

/**
 * The id of one request: the {@code X-Request-ID} the edge sent (Kong's correlation-id), or a
 * new UUID. The filter puts it on the response, in the request context and in the logging MDC
 * (key {@value #MDC_KEY}) so every log line written while the request runs carries it.
 *
 * @param value the id
 */
public record RequestId(String value) {

    public static final HeaderName HEADER = HeaderNames.create("X-Request-ID");
    public static final String MDC_KEY = "request_id";

    // what we echo back must not be a header-injection or log-forging vector
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:@/+=-]{1,128}");

    /** The id of {@code req} (set by {@link #filter()}), if the filter ran. */
    public static Optional<String> of(ServerRequest req) {
        return req.context().get(RequestId.class).map(RequestId::value);
    }

    /** The id of the request the current thread works for (from the MDC). */
    public static Optional<String> current() {
        return HelidonMdc.get(MDC_KEY);
    }

    /** Accepts a client's id when it is safe to echo and log, else makes one. */
    public static String fromClient(Optional<String> fromClient) {
        return fromClient.filter(id -> SAFE.matcher(id).matches()).orElseGet(() -> UUID.randomUUID().toString());
    }

    /** The filter; register it first so later filters and handlers see the id. */
    public static Filter filter() {
        return RequestId::filter;
    }

    private static void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String id = fromClient(req.headers().first(HEADER));
        req.context().register(new RequestId(id));
        res.header(HEADER, id);
        HelidonMdc.set(MDC_KEY, id);
        try {
            chain.proceed();
        } finally {
            HelidonMdc.remove(MDC_KEY);
        }
    }
}

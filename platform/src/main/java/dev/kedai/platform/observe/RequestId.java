package dev.kedai.platform.observe;

import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

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

    private static final int MAX_LENGTH = 128;

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
        return fromClient.filter(RequestId::safe).orElseGet(RequestId::create);
    }

    /**
     * A new id in UUID form. It only has to be unique, not unguessable, so it comes from
     * {@link ThreadLocalRandom}: {@link UUID#randomUUID()} draws from the shared SecureRandom,
     * which cost 4 % of a cached product read (JFR, issue 16).
     */
    static String create() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        // version 4, IETF variant, as randomUUID() would spell it
        long msb = random.nextLong() & ~0xF000L | 0x4000L;
        long lsb = random.nextLong() & ~(0xC000L << 48) | (0x8000L << 48);
        return new UUID(msb, lsb).toString();
    }

    // what we echo back must not be a header-injection or log-forging vector: [A-Za-z0-9._:@/+=-]{1,128},
    // checked by hand because this runs on every request
    static boolean safe(String id) {
        int n = id.length();
        if (n == 0 || n > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = id.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '.' || c == '_' || c == ':' || c == '@' || c == '/' || c == '+' || c == '=' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
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

package dev.kedai.devstack.edge;

import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;

/**
 * Kong's {@code correlation-id}: the client's id in {@code header_name}, or a new one
 * ({@code uuid} or {@code uuid#counter}), sent upstream and, with {@code echo_downstream}, back
 * to the client. Unlike Kong, an id that is not safe to log or echo is replaced (the services'
 * RequestId would replace it anyway, and both must agree).
 */
public record CorrelationId(String headerName, String generator, boolean echoDownstream) {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:@/+=-]{1,128}");
    private static final String NODE = UUID.randomUUID().toString();
    private static final AtomicLong COUNTER = new AtomicLong();
    // a record has no room for a derived field: the few configured names, each made once
    private static final ConcurrentMap<String, HeaderName> HEADERS = new ConcurrentHashMap<>();

    /** Without the plugin the edge still makes ids for its own answers and log lines. */
    public static final CorrelationId DEFAULT = new CorrelationId("X-Request-ID", "uuid", true);

    /** {@link #headerName} as Helidon's header name, made once (the edge asks on every request). */
    public HeaderName header() {
        return HEADERS.computeIfAbsent(headerName, HeaderNames::create);
    }

    static CorrelationId from(JsonNode config) {
        return new CorrelationId(config.path("header_name").asText("Kong-Request-ID"),
                config.path("generator").asText("uuid#counter"), config.path("echo_downstream").asBoolean(false));
    }

    public String idFor(Optional<String> fromClient) {
        return fromClient.filter(id -> SAFE.matcher(id).matches()).orElseGet(this::generate);
    }

    private String generate() {
        return switch (generator) {
            case "uuid#counter" -> NODE + "#" + COUNTER.incrementAndGet();
            default -> randomUuid();
        };
    }

    /**
     * A version-4 UUID from {@link ThreadLocalRandom}: a request id must be unique, not secret, and
     * {@link UUID#randomUUID()}'s SecureRandom was a visible share of the edge's CPU (issue 16).
     */
    private static String randomUuid() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }
}

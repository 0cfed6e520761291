package dev.kedai.devstack.edge;

import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

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

    /** Without the plugin the edge still makes ids for its own answers and log lines. */
    public static final CorrelationId DEFAULT = new CorrelationId("X-Request-ID", "uuid", true);

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
            default -> UUID.randomUUID().toString();
        };
    }
}

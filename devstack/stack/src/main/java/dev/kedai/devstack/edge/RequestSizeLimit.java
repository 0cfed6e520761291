package dev.kedai.devstack.edge;

import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Kong's {@code request-size-limiting}: a declared {@code Content-Length} over the limit is
 * refused before the body is read; a chunked body is counted as it is read (the proxy asks
 * {@link #allowedBytes()}). Kong counts megabytes as MiB.
 */
public record RequestSizeLimit(long allowedBytes, boolean requireContentLength) {

    static RequestSizeLimit from(JsonNode config) {
        double size = config.path("allowed_payload_size").asDouble(128);
        long unit = switch (config.path("size_unit").asText("megabytes").toLowerCase(Locale.ROOT)) {
            case "bytes" -> 1;
            case "kilobytes" -> 1024;
            default -> 1024 * 1024;
        };
        return new RequestSizeLimit((long) (size * unit), config.path("require_content_length").asBoolean(false));
    }

    public static final String MESSAGE = "Request size limit exceeded";

    public EdgeAnswer tooLarge(String requestId) {
        return EdgeAnswer.error(413, MESSAGE, requestId, java.util.Map.of());
    }
}

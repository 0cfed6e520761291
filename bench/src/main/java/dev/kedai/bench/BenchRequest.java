package dev.kedai.bench;

import java.util.Map;
import java.util.Objects;

/**
 * One request a scenario wants sent, relative to the run's target. Only a path is allowed,
 * never a full URL, so no scenario can send load anywhere but the loopback target.
 *
 * @param body {@code null} for no body
 */
public record BenchRequest(String method, String path, Map<String, String> headers, byte[] body) {

    public BenchRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/") || path.startsWith("//")) {
            // "//host/x" would be read as another authority
            throw new IllegalArgumentException("request path must start with a single '/', got: " + path);
        }
        headers = Map.copyOf(headers);
    }

    /** {@code GET path} with the given headers (name, value, name, value, …). */
    public static BenchRequest get(String path, String... headerPairs) {
        return new BenchRequest("GET", path, pairs(headerPairs), null);
    }

    /** {@code POST path} with a JSON body. */
    public static BenchRequest postJson(String path, byte[] json) {
        return new BenchRequest("POST", path, Map.of("Content-Type", "application/json"), json);
    }

    private static Map<String, String> pairs(String... nameValue) {
        if (nameValue.length % 2 != 0) {
            throw new IllegalArgumentException("headers come in name, value pairs");
        }
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            headers.put(nameValue[i], nameValue[i + 1]);
        }
        return headers;
    }
}

package dev.kedai.devstack.edge;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Kong's {@code cors}: preflights ({@code OPTIONS} with {@code Access-Control-Request-Method})
 * are answered here with 200 unless {@code preflight_continue}; other requests from an allowed
 * origin get {@code Access-Control-Allow-Origin} and the exposed headers. Origins are compared
 * literally (Kong also takes regexes; Kedai's manifests list plain origins).
 */
public final class CorsPlugin {
    private final List<String> origins;
    private final List<Pattern> originPatterns;
    private final List<String> methods;
    private final List<String> headers;
    private final List<String> exposedHeaders;
    private final boolean credentials;
    private final Optional<Long> maxAge;
    private final boolean preflightContinue;

    CorsPlugin(JsonNode config) {
        this.origins = strings(config.path("origins"));
        this.originPatterns = origins.stream().filter(o -> !o.equals("*"))
                .map(o -> Pattern.compile(Pattern.quote(o))).toList();
        this.methods = strings(config.path("methods"));
        this.headers = strings(config.path("headers"));
        this.exposedHeaders = strings(config.path("exposed_headers"));
        this.credentials = config.path("credentials").asBoolean(false);
        this.maxAge = config.hasNonNull("max_age") ? Optional.of(config.get("max_age").asLong()) : Optional.empty();
        this.preflightContinue = config.path("preflight_continue").asBoolean(false);
    }

    public static boolean isPreflight(String method, Optional<String> requestMethodHeader) {
        return method.equals("OPTIONS") && requestMethodHeader.isPresent();
    }

    /** The allow-origin value for {@code origin}, if it is allowed. */
    Optional<String> allowOrigin(Optional<String> origin) {
        if (origins.isEmpty() || origins.contains("*")) {
            return Optional.of("*");
        }
        return origin.filter(o -> originPatterns.stream().anyMatch(p -> p.matcher(o).matches()));
    }

    /** The answer to a preflight, or empty when the preflight goes on to the service. */
    public Optional<EdgeAnswer> preflight(Optional<String> origin, Optional<String> requestHeaders) {
        if (preflightContinue) {
            return Optional.empty();
        }
        Map<String, String> h = new LinkedHashMap<>();
        allowOrigin(origin).ifPresent(o -> {
            h.put("Access-Control-Allow-Origin", o);
            if (!o.equals("*")) {
                h.put("Vary", "Origin");
            }
        });
        h.put("Access-Control-Allow-Methods", methods.isEmpty()
                ? "GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT" : String.join(",", methods));
        if (!headers.isEmpty()) {
            h.put("Access-Control-Allow-Headers", String.join(",", headers));
        } else {
            requestHeaders.ifPresent(r -> h.put("Access-Control-Allow-Headers", r));
        }
        maxAge.ifPresent(a -> h.put("Access-Control-Max-Age", String.valueOf(a)));
        if (credentials) {
            h.put("Access-Control-Allow-Credentials", "true");
        }
        return Optional.of(new EdgeAnswer(200, Map.of(), h));
    }

    /** Headers for a normal (non-preflight) response. */
    public Map<String, String> responseHeaders(Optional<String> origin) {
        Map<String, String> h = new LinkedHashMap<>();
        allowOrigin(origin).ifPresent(o -> {
            h.put("Access-Control-Allow-Origin", o);
            if (!o.equals("*")) {
                h.put("Vary", "Origin");
            }
            if (!exposedHeaders.isEmpty()) {
                h.put("Access-Control-Expose-Headers", String.join(",", exposedHeaders));
            }
            if (credentials) {
                h.put("Access-Control-Allow-Credentials", "true");
            }
        });
        return h;
    }

    private static List<String> strings(JsonNode node) {
        List<String> list = new ArrayList<>();
        node.forEach(n -> list.add(n.asText()));
        return List.copyOf(list);
    }
}

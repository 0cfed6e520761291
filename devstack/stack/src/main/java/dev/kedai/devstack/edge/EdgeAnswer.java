package dev.kedai.devstack.edge;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An answer the edge gives itself instead of proxying, in Kong's shape: a JSON body such as
 * {@code {"message":"no Route matched with those values","request_id":"..."}} and headers.
 *
 * @param status  HTTP status
 * @param body    JSON object fields, in order
 * @param headers extra response headers
 */
public record EdgeAnswer(int status, Map<String, Object> body, Map<String, String> headers) {

    public EdgeAnswer {
        body = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(body));
        headers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    /** {@code kong.response.error}: {@code {"message": ..., "request_id": ...}}. */
    public static EdgeAnswer error(int status, String message, String requestId, Map<String, String> headers) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("message", message);
        body.put("request_id", requestId);
        return new EdgeAnswer(status, body, headers);
    }

    /** {@code kong.response.exit} with a plain message body, as the jwt plugin answers. */
    public static EdgeAnswer exit(int status, String message, Map<String, String> headers) {
        return new EdgeAnswer(status, Map.of("message", message), headers);
    }
}

package dev.kedai.platform.http;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An RFC 9457 problem detail, the body of every error answer ({@code application/problem+json}).
 *
 * <p>{@code extensions} are extra top-level members (e.g. {@code available} on a stock conflict,
 * {@code short} on a failed reservation); they never replace the standard members.
 *
 * @param type       a URI naming the kind of problem; {@code about:blank} when the status says it all
 * @param title      short summary of the kind (the same for every occurrence of the type)
 * @param status     HTTP status code
 * @param detail     what went wrong this time, safe to show to the client (never internals)
 * @param errors     offending fields of a 400, empty otherwise
 * @param extensions extra members, in insertion order
 */
public record Problem(String type, String title, int status, String detail,
                      List<FieldError> errors, Map<String, Object> extensions) {

    /** The media type of problem bodies. */
    public static final String MEDIA_TYPE = "application/problem+json";

    public Problem {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(title, "title");
        errors = errors == null ? List.of() : List.copyOf(errors);
        extensions = extensions == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extensions));
    }

    /** A problem whose type is {@code about:blank} and whose title is the status' reason phrase. */
    public static Problem of(int status, String detail) {
        return new Problem("about:blank", reason(status), status, detail, List.of(), Map.of());
    }

    /** The 400 of a failed validation, naming every offending field. */
    public static Problem validation(List<FieldError> errors) {
        return new Problem("https://kedai.dev/problems/validation", "Invalid request", 400,
                errors.size() == 1 ? "1 field is invalid" : errors.size() + " fields are invalid", errors, Map.of());
    }

    /** A copy with one more extension member. */
    public Problem with(String member, Object value) {
        Map<String, Object> more = new LinkedHashMap<>(extensions);
        more.put(member, value);
        return new Problem(type, title, status, detail, errors, more);
    }

    /** A copy with another type URI and title (for problems clients tell apart, e.g. insufficient stock). */
    public Problem typed(String typeUri, String typeTitle) {
        return new Problem(typeUri, typeTitle, status, detail, errors, extensions);
    }

    /** The body as a JSON tree: standard members first, then the extensions. */
    public ObjectNode toJson() {
        ObjectNode node = Json.mapper().createObjectNode();
        node.put("type", type);
        node.put("title", title);
        node.put("status", status);
        if (detail != null) {
            node.put("detail", detail);
        }
        if (!errors.isEmpty()) {
            node.set("errors", Json.mapper().valueToTree(errors));
        }
        extensions.forEach((name, value) -> {
            if (!node.has(name)) {
                node.set(name, Json.mapper().valueToTree(value));
            }
        });
        return node;
    }

    static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 402 -> "Payment Required";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 406 -> "Not Acceptable";
            case 409 -> "Conflict";
            case 412 -> "Precondition Failed";
            case 413 -> "Content Too Large";
            case 415 -> "Unsupported Media Type";
            case 422 -> "Unprocessable Content";
            case 428 -> "Precondition Required";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> io.helidon.http.Status.create(status).reasonPhrase();
        };
    }
}

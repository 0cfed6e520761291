package dev.kedai.platform.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.webserver.http.ServerRequest;

/**
 * Reads request bodies as JSON: {@code Content-Type: application/json} is required (else 415),
 * malformed JSON, duplicate keys and trailing garbage answer 400, and the server's
 * {@code max-payload-size} answers 413 (enforced by Helidon while the body is read).
 */
public final class JsonBody {

    private static final ObjectReader READER = Json.mapper().readerFor(JsonNode.class)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private JsonBody() {
    }

    /** The body as a JSON tree (any JSON value). */
    public static JsonNode read(ServerRequest req) {
        requireJson(req);
        if (!req.content().hasEntity()) {
            throw ProblemException.badRequest("a JSON body is required");
        }
        try (InputStream in = req.content().inputStream()) {
            JsonNode node = READER.readValue(in);
            if (node == null || node.isMissingNode()) {
                throw ProblemException.badRequest("a JSON body is required");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * As {@link #read}, for a route whose every field is optional: no body (or only white space)
     * is {@code {}} and needs no Content-Type. Takes the bytes the caller already read (e.g. to
     * fingerprint them for an Idempotency-Key).
     */
    public static JsonNode readOptional(ServerRequest req, byte[] body) {
        if (body.length == 0) {
            return Json.mapper().createObjectNode();
        }
        requireJson(req);
        try {
            JsonNode node = READER.readValue(body);
            return node == null || node.isMissingNode() ? Json.mapper().createObjectNode() : node;
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ProblemException malformed(JsonProcessingException e) {
        var where = e.getLocation();
        return ProblemException.badRequest(where == null ? "malformed JSON"
                : "malformed JSON at line " + where.getLineNr() + ", column " + where.getColumnNr());
    }

    /** Maps a validated tree to a record or class (snake_case names). */
    public static <T> T map(JsonNode node, Class<T> type) {
        try {
            return Json.mapper().treeToValue(node, type);
        } catch (JsonProcessingException e) {
            // Fields validated the shape; a failure here is a declaration that does not match the record
            throw new IllegalStateException("body does not map to " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    /** 415 unless the request says {@code application/json} (parameters such as charset are fine). */
    public static void requireJson(ServerRequest req) {
        boolean json = req.headers().contentType()
                .map(ct -> ct.mediaType().equals(MediaTypes.APPLICATION_JSON))
                .orElse(false);
        if (!json) {
            throw new ProblemException(Problem.of(415, "Content-Type must be application/json"));
        }
    }
}

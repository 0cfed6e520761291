package dev.kedai.cartorder;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The fingerprint of a request body for Idempotency-Key reuse checks: SHA-256 of the body as
 * canonical JSON (keys sorted, no whitespace), so the same JSON written differently is the same
 * body; an empty body counts as {@code {}}; a body that is not JSON is hashed as it is.
 */
final class RequestHash {

    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private RequestHash() {
    }

    static String of(byte[] body) {
        byte[] canonical;
        try {
            JsonNode tree = body.length == 0 ? CANONICAL.createObjectNode() : CANONICAL.readTree(body);
            canonical = tree == null || tree.isMissingNode()
                    ? body
                    : CANONICAL.writeValueAsBytes(CANONICAL.treeToValue(tree, Object.class));
        } catch (IOException e) {
            canonical = body;
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}

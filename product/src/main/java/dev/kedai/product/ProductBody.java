package dev.kedai.product;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The answer of {@code GET /products/{id}}: the JSON body and its strong ETag, made once when the
 * body is made (and kept with it in the cache entry), not on every read.
 *
 * @param json the representation's bytes
 * @param etag a strong validator, quoted: any change of any byte changes it
 */
public record ProductBody(byte[] json, String etag) {

    /** The body with its ETag: the first 128 bits of its SHA-256, in hex. */
    public static ProductBody of(byte[] json) {
        return new ProductBody(json, etag(json));
    }

    static String etag(byte[] json) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(json);
            return "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

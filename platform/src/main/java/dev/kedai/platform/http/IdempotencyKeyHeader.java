package dev.kedai.platform.http;

import java.util.Optional;
import java.util.regex.Pattern;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

/**
 * The {@code Idempotency-Key} request header: a client-chosen id of 1 to 64 visible ASCII
 * characters that makes a retried request do its work once. Also the shape of other client-chosen
 * ids (cart operation ids).
 */
public final class IdempotencyKeyHeader {

    public static final HeaderName NAME = HeaderNames.create("Idempotency-Key");
    private static final Pattern VISIBLE_ASCII = Pattern.compile("[\\x21-\\x7E]{1,64}");

    private IdempotencyKeyHeader() {
    }

    /** The header's value, empty when it is absent or blank; a malformed one is 400 problem+json. */
    public static Optional<String> read(ServerRequest req) {
        Optional<String> key = req.headers().first(NAME).filter(k -> !k.isBlank());
        if (key.isPresent() && !isWellFormed(key.get())) {
            throw ProblemException.invalid("Idempotency-Key", "must be 1 to 64 visible ASCII characters");
        }
        return key;
    }

    /** 1 to 64 visible ASCII characters. */
    public static boolean isWellFormed(String id) {
        return id != null && VISIBLE_ASCII.matcher(id).matches();
    }
}

package dev.kedai.platform.http;

import java.util.Locale;
import java.util.UUID;

/**
 * Ids in paths and query strings ({@code /stock/{product_id}}, {@code ?product_id=a,b}): a
 * malformed one is a 400 naming the parameter, before any SQL runs. {@link UUID#fromString}
 * alone is too lenient ({@code 1-1-1-1-1} parses), so the canonical 8-4-4-4-12 form is required.
 */
public final class UuidParam {

    private static final int LENGTH = 36;

    private UuidParam() {
    }

    /** {@code text} in lower case (how ids are stored) if it is a UUID, else 400 naming {@code name}. */
    public static String parse(String name, String text) {
        if (!isValid(text)) {
            throw ProblemException.invalid(name, "must be a UUID");
        }
        return text.toLowerCase(Locale.ROOT);
    }

    /** Whether {@code text} is a UUID in canonical form. */
    public static boolean isValid(String text) {
        if (text == null || text.length() != LENGTH) {
            return false;
        }
        // 8-4-4-4-12 hex digits, by hand: this runs on every read by id, where a regex showed in profiles
        for (int i = 0; i < LENGTH; i++) {
            char c = text.charAt(i);
            boolean ok = i == 8 || i == 13 || i == 18 || i == 23
                    ? c == '-'
                    : c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}

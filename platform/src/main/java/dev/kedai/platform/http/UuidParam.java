package dev.kedai.platform.http;

import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Ids in paths and query strings ({@code /stock/{product_id}}, {@code ?product_id=a,b}): a
 * malformed one is a 400 naming the parameter, before any SQL runs. {@link UUID#fromString}
 * alone is too lenient ({@code 1-1-1-1-1} parses), so the canonical 8-4-4-4-12 form is required.
 */
public final class UuidParam {

    private static final Pattern CANONICAL =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private UuidParam() {
    }

    /** {@code text} in lower case (how ids are stored) if it is a UUID, else 400 naming {@code name}. */
    public static String parse(String name, String text) {
        if (text == null || !CANONICAL.matcher(text).matches()) {
            throw ProblemException.invalid(name, "must be a UUID");
        }
        return text.toLowerCase(Locale.ROOT);
    }

    /** Whether {@code text} is a UUID in canonical form. */
    public static boolean isValid(String text) {
        return text != null && CANONICAL.matcher(text).matches();
    }
}

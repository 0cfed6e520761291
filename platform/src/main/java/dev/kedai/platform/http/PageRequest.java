package dev.kedai.platform.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.helidon.webserver.http.ServerRequest;

/**
 * The {@code page} and {@code size} query parameters of a paged list: {@code page} ≥ 1,
 * 1 ≤ {@code size} ≤ {@value #MAX_SIZE}; anything else answers 400 naming the parameters.
 *
 * @param page 1-based page number
 * @param size items per page
 */
public record PageRequest(int page, int size) {

    public static final int DEFAULT_SIZE = 20;
    public static final int MAX_SIZE = 100;

    /** Reads {@code page} (default 1) and {@code size} (default {@value #DEFAULT_SIZE}) from the query. */
    public static PageRequest from(ServerRequest req) {
        return from(req, DEFAULT_SIZE);
    }

    /** As {@link #from(ServerRequest)} with another default size. */
    public static PageRequest from(ServerRequest req, int defaultSize) {
        List<FieldError> errors = new ArrayList<>();
        int page = parse(req, "page", 1, 1, Integer.MAX_VALUE, errors);
        int size = parse(req, "size", defaultSize, 1, MAX_SIZE, errors);
        if (!errors.isEmpty()) {
            throw ProblemException.validation(errors);
        }
        return new PageRequest(page, size);
    }

    /** The row offset of this page, for {@code LIMIT ? OFFSET ?}. */
    public long offset() {
        return (long) (page - 1) * size;
    }

    private static int parse(ServerRequest req, String name, int dflt, int min, int max, List<FieldError> errors) {
        Optional<String> raw = req.query().first(name).asOptional();
        if (raw.isEmpty()) {
            return dflt;
        }
        try {
            int value = Integer.parseInt(raw.get().trim());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below, with the range
        }
        errors.add(new FieldError(name, max == Integer.MAX_VALUE
                ? "must be an integer ≥ " + min
                : "must be an integer between " + min + " and " + max));
        return dflt;
    }
}

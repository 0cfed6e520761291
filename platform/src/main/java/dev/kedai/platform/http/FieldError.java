package dev.kedai.platform.http;

/**
 * One offending input field of a 400 answer: {@code {"field": "quantity", "message": "must be between 1 and 99"}}.
 *
 * @param field   the JSON field name (snake_case, as the client sent it) or query parameter
 * @param message what is wrong with it, in words a client developer understands
 */
public record FieldError(String field, String message) {
}

package dev.kedai.platform.http;

import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The declaration of one JSON body field: its name, its type and constraints, and whether it
 * is required. Immutable; each method returns a new declaration.
 *
 * <pre>{@code
 * import static dev.kedai.platform.http.Field.field;
 * Fields.of(field("product_id").uuid().required(),
 *           field("quantity").integer(1, 99).required(),
 *           field("note").string(0, 200));          // optional unless .required()
 * }</pre>
 */
public final class Field {

    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    // deliberately simple: one @, no spaces, a dot in the domain; the mail round-trip is the real check
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");

    private final String name;
    private final boolean required;
    /** Returns null when the (non-null) value is valid, else what is wrong with it. */
    private final Function<JsonNode, String> check;

    private Field(String name, boolean required, Function<JsonNode, String> check) {
        this.name = Objects.requireNonNull(name);
        this.required = required;
        this.check = check;
    }

    /** A field of any JSON type, optional, until narrowed. */
    public static Field field(String name) {
        return new Field(name, false, value -> null);
    }

    public String name() {
        return name;
    }

    public boolean isRequired() {
        return required;
    }

    /** The field must be present and not null. */
    public Field required() {
        return new Field(name, true, check);
    }

    /** The field may be absent or null (the default). */
    public Field optional() {
        return new Field(name, false, check);
    }

    /** A JSON string of 1..10,000 characters. */
    public Field string() {
        return string(1, 10_000);
    }

    /** A JSON string whose length is within {@code [min, max]}. */
    public Field string(int min, int max) {
        return and(v -> {
            if (!v.isTextual()) {
                return "must be a string";
            }
            int length = v.asText().codePointCount(0, v.asText().length());
            if (length < min || length > max) {
                return min == max ? "must be " + min + " characters long"
                        : min == 0 ? "must be at most " + max + " characters long"
                        : "must be " + min + " to " + max + " characters long";
            }
            return null;
        });
    }

    /** A string matching {@code regex} in full; {@code description} says what it should look like. */
    public Field pattern(String regex, String description) {
        Pattern p = Pattern.compile(regex);
        return and(v -> !v.isTextual() ? "must be a string"
                : p.matcher(v.asText()).matches() ? null : "must be " + description);
    }

    /** A UUID in its canonical text form. */
    public Field uuid() {
        return and(v -> v.isTextual() && UUID_TEXT.matcher(v.asText()).matches() && parses(v.asText())
                ? null : "must be a UUID");
    }

    /** An e-mail address of at most 254 characters. */
    public Field email() {
        return and(v -> v.isTextual() && v.asText().length() <= 254 && EMAIL.matcher(v.asText()).matches()
                ? null : "must be an e-mail address");
    }

    /** A whole number within {@code [min, max]} (1.0 and "1" are not whole numbers here). */
    public Field integer(long min, long max) {
        return and(v -> {
            if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                return "must be an integer";
            }
            long n = v.asLong();
            return n >= min && n <= max ? null
                    : max == Long.MAX_VALUE ? "must be ≥ " + min
                    : "must be between " + min + " and " + max;
        });
    }

    /** A JSON object (its content is the handler's business, e.g. product attributes). */
    public Field object() {
        return and(v -> v.isObject() ? null : "must be an object");
    }

    /** A JSON array of at most {@code maxItems} items. */
    public Field array(int maxItems) {
        return and(v -> !v.isArray() ? "must be an array"
                : v.size() > maxItems ? "must have at most " + maxItems + " items" : null);
    }

    /** An extra rule on the value: {@code rule} must hold, else {@code message}. */
    public Field must(Predicate<JsonNode> rule, String message) {
        return and(v -> rule.test(v) ? null : message);
    }

    /** Checks a value; absent and null are handled by {@link Fields}. */
    String check(JsonNode value) {
        return check.apply(value);
    }

    private Field and(Function<JsonNode, String> next) {
        Function<JsonNode, String> first = check;
        return new Field(name, required, v -> {
            String problem = first.apply(v);
            return problem != null ? problem : next.apply(v);
        });
    }

    private static boolean parses(String text) {
        try {
            UUID.fromString(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}

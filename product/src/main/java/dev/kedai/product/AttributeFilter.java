package dev.kedai.product;

/**
 * {@code ?attr.<name>=<value>}: products whose JSON attribute {@code name} equals {@code value}
 * (compared as text, so {@code attr.size=42} matches {@code "size": 42} and {@code "size": "42"}).
 *
 * @param name  an attribute name, already checked to be {@code [A-Za-z0-9_]{1,40}}
 * @param value the wanted value
 */
public record AttributeFilter(String name, String value) {

    /** The JSON path of the attribute, passed to SQL as a parameter. */
    String jsonPath() {
        return "$." + name;
    }

    /** The search index's keyword for this filter ({@link SearchDocument}'s {@code attribute_values}). */
    String term() {
        return term(name, value);
    }

    static String term(String name, String value) {
        return name + "=" + value;
    }
}

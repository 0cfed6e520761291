package dev.kedai.product;

import java.util.List;
import java.util.Optional;

import dev.kedai.platform.http.PageRequest;

/**
 * What {@code GET /products} asks for, already validated.
 *
 * @param text       full-text search ({@code q}), if any
 * @param category   category slug, if any
 * @param attributes {@code attr.<name>=<value>} filters, all of which must hold
 * @param sort       the order
 * @param page       the page
 */
public record ProductQuery(Optional<String> text, Optional<String> category, List<AttributeFilter> attributes,
                           ProductSort sort, PageRequest page) {

    public ProductQuery {
        attributes = List.copyOf(attributes);
    }
}

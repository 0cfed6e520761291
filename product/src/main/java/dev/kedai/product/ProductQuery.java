package dev.kedai.product;

import java.util.Optional;

import dev.kedai.platform.http.PageRequest;

/**
 * What {@code GET /products} asks for, already validated.
 *
 * @param text     full-text search ({@code q}), if any
 * @param category category slug, if any
 * @param sort     the order
 * @param page     the page
 */
public record ProductQuery(Optional<String> text, Optional<String> category, ProductSort sort, PageRequest page) {
}

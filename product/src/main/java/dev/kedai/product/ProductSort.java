package dev.kedai.product;

import java.util.Arrays;
import java.util.Locale;

/** The orders of {@code GET /products?sort=}; in SQL each ends on product_id so pages are stable (OpenSearch: {@link IndexedSearch}). */
public enum ProductSort {
    NEWEST("created_at DESC, product_id DESC"),
    PRICE_ASC("price_amount ASC, product_id"),
    PRICE_DESC("price_amount DESC, product_id"),
    /** Full-text score of {@code q}; only with {@code q}. */
    RELEVANCE("relevance DESC, created_at DESC, product_id DESC");

    private final String orderBy;

    ProductSort(String orderBy) {
        this.orderBy = orderBy;
    }

    /** The SQL {@code ORDER BY} list (fixed text, never from the request). */
    String orderBy() {
        return orderBy;
    }

    /** The API name, e.g. {@code price_asc}. */
    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static String apiNames() {
        return Arrays.stream(values()).map(ProductSort::apiName).toList().toString();
    }
}

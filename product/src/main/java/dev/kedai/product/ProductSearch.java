package dev.kedai.product;

import dev.kedai.platform.http.Page;

/**
 * The catalog's search port: a page of active products for a validated query, in the query's
 * order (relevance first when it has {@code q}). The adapter today is {@link FulltextSearch}
 * (MariaDB FULLTEXT over the catalog table); docs/search.md says where a search engine plugs in.
 */
public interface ProductSearch {

    Page<Product> search(ProductQuery query);
}

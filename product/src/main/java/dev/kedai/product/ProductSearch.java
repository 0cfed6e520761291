package dev.kedai.product;

import dev.kedai.platform.http.Page;

/**
 * The catalog's search port: a page of active products for a validated query, in the query's
 * order (relevance first when it has {@code q}). Adapters: {@link FulltextSearch} (MariaDB
 * FULLTEXT over the catalog table, the default) and {@link IndexedSearch} (OpenSearch);
 * {@link CatalogSearch} picks one per query (docs/search.md).
 */
public interface ProductSearch {

    Page<Product> search(ProductQuery query);
}

package dev.kedai.product;

import java.lang.System.Logger.Level;
import java.util.Optional;

import dev.kedai.platform.http.Page;
import dev.kedai.platform.http.ProblemException;

/**
 * Which adapter answers a list: with {@code q}, the configured engine ({@code product.search.engine}:
 * {@code fulltext} or {@code opensearch}); without, always the database (pages of the catalog by
 * category, attribute or price are read-your-writes and exactly counted, and served through
 * {@link CatalogPages}). When the engine cannot answer, the fallback answers if one is configured
 * ({@code product.search.fallback: fulltext}), else the client gets a 503 at once.
 */
public final class CatalogSearch implements ProductSearch {

    private static final System.Logger LOG = System.getLogger(CatalogSearch.class.getName());

    private final ProductSearch engine;
    private final FulltextSearch database;
    private final Optional<ProductSearch> fallback;

    public CatalogSearch(ProductSearch engine, FulltextSearch database, Optional<ProductSearch> fallback) {
        this.engine = engine;
        this.database = database;
        this.fallback = fallback;
    }

    @Override
    public Page<Product> search(ProductQuery query) {
        if (query.text().isEmpty()) {
            return database.search(query);
        }
        try {
            return engine.search(query);
        } catch (SearchUnavailableException e) {
            if (fallback.isPresent()) {
                LOG.log(Level.DEBUG, () -> "search engine unavailable, answering from the fallback: " + e.getMessage());
                return fallback.get().search(query);
            }
            LOG.log(Level.WARNING, () -> "search answered 503: " + e.getMessage());
            throw ProblemException.unavailable("search is unavailable; try again shortly", e);
        }
    }
}

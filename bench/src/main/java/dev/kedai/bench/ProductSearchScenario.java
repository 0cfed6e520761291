package dev.kedai.bench;

import java.net.URI;
import java.util.List;

/**
 * {@code GET /products?q=<word>} (FULLTEXT, relevance order, first page of 20) straight to the
 * product service, rotating over words of the bench catalog ({@link CatalogSeed}).
 */
public final class ProductSearchScenario implements Scenario {

    private static final List<BenchRequest> QUERIES = CatalogSeed.SEARCH_WORDS.stream()
            .map(word -> BenchRequest.get("/products?q=" + word, "Accept", "application/json"))
            .toList();

    @Override
    public String name() {
        return "product-search";
    }

    @Override
    public String description() {
        return "GET /products?q=<word> (full-text, relevance) direct to the product service (default http://127.0.0.1:8005)";
    }

    @Override
    public URI defaultTarget() {
        return URI.create("http://127.0.0.1:8005");
    }

    @Override
    public BenchRequest nextRequest(long sequence) {
        return QUERIES.get((int) (sequence % QUERIES.size()));
    }
}

package dev.kedai.product;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kedai.platform.http.Page;
import dev.kedai.platform.http.ProblemException;
import io.helidon.common.config.Config;
import io.helidon.faulttolerance.CircuitBreaker;
import io.helidon.faulttolerance.CircuitBreakerOpenException;

/**
 * The OpenSearch adapter of {@link ProductSearch}: the same filters and orders as
 * {@link FulltextSearch}, answered from the index alone ({@link SearchDocument} holds every field
 * a page shows). What differs is documented in docs/search.md: the index follows the catalog a
 * moment behind (the product events), {@code total} counts exactly only up to
 * {@value #MAX_WINDOW} and pages end there, and words are stemmed (Indonesian and English).
 *
 * <p>A circuit breaker ({@code product.search.opensearch.breaker}: {@code delay} PT5S,
 * {@code volume} 10, {@code error-ratio} 50) keeps an unreachable engine from costing every
 * request its timeout: while open, searches fail at once with {@link SearchUnavailableException}.
 *
 * <p>Answers are kept for {@code product.search.opensearch.answer-ttl} (default PT0.5S, PT0S turns
 * it off): the index itself changes only at its refresh, every second, so a repeated query (a
 * popular word, the same page asked by many) costs the engine once per half second instead of once
 * per request, and concurrent misses of one query wait for a single engine call. A change becomes
 * searchable within about 1.5 s instead of about 1 s. Failures are never kept.
 */
public final class IndexedSearch implements ProductSearch {

    /** OpenSearch's default {@code max_result_window} and {@code track_total_hits}. */
    static final int MAX_WINDOW = 10_000;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    // the stemmed sub-fields only (the plain ones add nothing a stem misses, and every field is one
    // more scoring pass: 6 → 4 fields was 1.25× the req/s); a word in the name counts twice
    private static final List<String> TEXT_FIELDS = List.of("name.id^2", "name.en^2", "description.id", "description.en");

    private final SearchIndex index;
    private final CircuitBreaker breaker;
    private final Cache<ProductQuery, Page<Product>> answers;   // null when answer-ttl is zero

    public IndexedSearch(SearchIndex index, Config root) {
        this(index, root, Ticker.systemTicker());
    }

    IndexedSearch(SearchIndex index, Config root, Ticker ticker) {
        this.index = index;
        Duration ttl = root.get("product.search.opensearch.answer-ttl").as(Duration.class).orElse(Duration.ofMillis(500));
        this.answers = ttl.isZero() ? null : Caffeine.newBuilder()
                .expireAfterWrite(ttl)
                .maximumSize(10_000)
                .ticker(ticker)
                .build();
        Config c = root.get("product.search.opensearch.breaker");
        this.breaker = CircuitBreaker.builder()
                .name("opensearch")
                .delay(c.get("delay").as(Duration.class).orElse(Duration.ofSeconds(5)))
                .volume(c.get("volume").asInt().orElse(10))
                .errorRatio(c.get("error-ratio").asInt().orElse(50))
                .successThreshold(1)
                .build();
    }

    @Override
    public Page<Product> search(ProductQuery query) {
        if (query.page().offset() + query.page().size() > MAX_WINDOW) {
            throw ProblemException.invalid("page", "search pages end at result " + MAX_WINDOW
                    + " (narrow the query with category or attribute filters)");
        }
        return answers == null ? ask(query) : answers.get(query, this::ask);
    }

    private Page<Product> ask(ProductQuery query) {
        ObjectNode body = body(query);
        JsonNode answer;
        try {
            answer = breaker.invoke(() -> {
                try {
                    return index.search(body);
                } catch (IOException | RuntimeException e) {
                    throw new SearchUnavailableException("the search engine did not answer: " + e.getMessage(), e);
                }
            });
        } catch (CircuitBreakerOpenException e) {
            throw new SearchUnavailableException("the search engine is unavailable (breaker open)", e);
        }
        JsonNode hits = answer.path("hits");
        List<Product> items = new ArrayList<>();
        for (JsonNode hit : hits.path("hits")) {
            items.add(SearchDocument.product(hit.path("_source")));
        }
        return Page.of(items, query.page(), hits.path("total").path("value").asLong());
    }

    /** The search request of {@code query}: filters as in SQL, text over name and description. */
    static ObjectNode body(ProductQuery query) {
        ObjectNode body = NODES.objectNode();
        body.put("from", query.page().offset());
        body.put("size", query.page().size());
        ObjectNode bool = body.putObject("query").putObject("bool");
        ArrayNode filter = bool.putArray("filter");
        filter.addObject().putObject("term").put("active", true);
        query.category().ifPresent(c -> filter.addObject().putObject("term").put("category", c));
        for (AttributeFilter attr : query.attributes()) {
            filter.addObject().putObject("term").put("attribute_values", attr.term());
        }
        query.text().ifPresent(q -> {
            ObjectNode match = bool.putArray("must").addObject().putObject("multi_match");
            match.put("query", q);
            match.put("type", "most_fields");
            TEXT_FIELDS.forEach(match.putArray("fields")::add);
        });
        ArrayNode sort = body.putArray("sort");
        switch (query.sort()) {
            // the score alone: a tie-break field turns the top-20 into a field sort over every match,
            // which cannot skip low-scoring blocks (1.3× the req/s without it at 100k products);
            // equal scores come in index order (docs/search.md)
            case RELEVANCE -> sort.addObject().put("_score", "desc");
            case NEWEST -> {
                sort.addObject().put("created_at", "desc");
                sort.addObject().put("product_id", "desc");
            }
            case PRICE_ASC -> {
                sort.addObject().put("price_amount", "asc");
                sort.addObject().put("product_id", "asc");
            }
            case PRICE_DESC -> {
                sort.addObject().put("price_amount", "desc");
                sort.addObject().put("product_id", "asc");
            }
        }
        return body;
    }
}

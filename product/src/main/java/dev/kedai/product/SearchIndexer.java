package dev.kedai.product;

import java.util.Optional;

import dev.kedai.contracts.Topics;
import dev.kedai.platform.events.EventConsumer;
import dev.kedai.proto.product.v1.ProductCreated;
import dev.kedai.proto.product.v1.ProductDeleted;
import dev.kedai.proto.product.v1.ProductUpdated;
import io.helidon.common.config.Config;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbTransaction;

/**
 * Feeds the OpenSearch index from the product events: the read model behind {@link IndexedSearch}.
 * One consumer group ({@code kedai-product-search}), idempotent twice over: the platform's
 * consumer skips an event id it has applied, and the document written is the product's row as it
 * is now with the row's version as its external version, so a replayed or late event can never
 * put an older product over a newer one. A deleted product stays in the index as inactive
 * (filtered out), so no older event can bring it back either.
 *
 * <p>While OpenSearch is away the event is retried — never dead-lettered, since nothing is wrong
 * with it — and the consumer holds its place; when the engine returns, it catches up.
 */
final class SearchIndexer {

    /** Its group is {@code kedai-product-search} ({@code EventConsumer.group}). */
    static final String PURPOSE = "search";

    private SearchIndexer() {
    }

    static EventConsumer start(DbClient db, Config root, ProductStore store, SearchIndex index) {
        IndexWrite write = (tx, productId) -> {
            Optional<SearchDocument> doc = store.document(tx, productId);
            if (doc.isPresent()) {
                index.put(doc.get());
            }
        };
        return EventConsumer.builder(db, root, PURPOSE)
                .topics(Topics.PRODUCT)
                // an engine outage is no reason to give an event up: retry it until the engine is back
                .maxAttempts(Integer.MAX_VALUE)
                .handler(ProductCreated.getDefaultInstance(),
                         (tx, event) -> write.put(tx, event.parse(ProductCreated.parser()).getProductId()))
                .handler(ProductUpdated.getDefaultInstance(),
                         (tx, event) -> write.put(tx, event.parse(ProductUpdated.parser()).getProductId()))
                .handler(ProductDeleted.getDefaultInstance(),
                         (tx, event) -> write.put(tx, event.parse(ProductDeleted.parser()).getProductId()))
                .build()
                .start();
    }

    @FunctionalInterface
    private interface IndexWrite {
        void put(DbTransaction tx, String productId) throws Exception;
    }
}

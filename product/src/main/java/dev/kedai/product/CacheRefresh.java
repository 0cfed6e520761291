package dev.kedai.product;

import dev.kedai.contracts.Topics;
import dev.kedai.platform.events.EventConsumer;
import dev.kedai.proto.product.v1.ProductCreated;
import dev.kedai.proto.product.v1.ProductDeleted;
import dev.kedai.proto.product.v1.ProductUpdated;
import io.helidon.common.config.Config;
import io.helidon.dbclient.DbClient;

/**
 * Product consumes its own events to keep what is derived from a product right: on every
 * ProductCreated/ProductUpdated/ProductDeleted the cache entry is set from the database again and
 * the list pages start a new generation ({@link CatalogPages}). The writer
 * already invalidated it before answering; this covers a write whose invalidation did not reach
 * Redis, and a replica that crashed between its commit and the invalidation. The cache lives in
 * the shared Redis, so one consumer group (one replica handles each event) is enough for all.
 */
final class CacheRefresh {

    /** Its group is {@code kedai-product-cache} ({@code EventConsumer.group}): named for its job, as the cache is. */
    static final String PURPOSE = "cache";

    private CacheRefresh() {
    }

    static EventConsumer start(DbClient db, Config root, Catalog catalog) {
        return EventConsumer.builder(db, root, PURPOSE)
                .topics(Topics.PRODUCT)
                .handler(ProductCreated.getDefaultInstance(),
                         (tx, event) -> catalog.refresh(tx, event.parse(ProductCreated.parser()).getProductId()))
                .handler(ProductUpdated.getDefaultInstance(),
                         (tx, event) -> catalog.refresh(tx, event.parse(ProductUpdated.parser()).getProductId()))
                .handler(ProductDeleted.getDefaultInstance(),
                         (tx, event) -> catalog.refresh(tx, event.parse(ProductDeleted.parser()).getProductId()))
                .build()
                .start();
    }
}

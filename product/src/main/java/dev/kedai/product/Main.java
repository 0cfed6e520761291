package dev.kedai.product;

import dev.kedai.platform.events.EventConsumer;
import dev.kedai.platform.money.Money;
import dev.kedai.platform.server.Backbone;
import dev.kedai.platform.server.KedaiConfig;
import dev.kedai.platform.server.KedaiServer;
import io.helidon.config.Config;

/** The product service: the catalog and its categories. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        start(KedaiConfig.load());
    }

    /**
     * Migrates the schema, then starts HTTP, admin and gRPC as configured; tests call this too.
     * The clients made here connect lazily, so only the migration can fail before the server
     * exists, and a server that fails to start closes every {@code onStop} resource itself.
     */
    public static KedaiServer start(Config config) {
        Backbone base = Backbone.start(config);
        ProductStore store = new ProductStore(base.db());
        ProductCache cache = ProductCache.create(config);
        CatalogPages pages = CatalogPages.create(base.redis(), config);
        Catalog catalog = new Catalog(base.db(), base.transactions(), store, cache, pages, base.relay());
        EventConsumer cacheRefresh = CacheRefresh.start(base.db(), config, catalog);
        ProductSearch search = new FulltextSearch(base.db());
        return base.server("product")
                .filter(base.authentication())
                .routing(rules -> rules.register("/products", new ProductHttp(search, pages, catalog, Money.defaultCurrency(config)))
                        .register("/categories", new CategoryHttp(store)))
                .grpc(ProductGrpc.CALLERS, new ProductGrpc(store))
                .onStop(cache)
                .onStop(cacheRefresh)
                .build()
                .start();
    }
}

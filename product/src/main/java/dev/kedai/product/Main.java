package dev.kedai.product;

import java.time.Clock;
import java.util.Locale;
import java.util.Optional;

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
        ProductCache cache = ProductCache.create(base.copies(), config);
        CatalogPages pages = CatalogPages.create(base.copies(), config);
        Catalog catalog = new Catalog(base.db(), base.transactions(), store, cache, pages, base.relay());
        EventConsumer cacheRefresh = CacheRefresh.start(base.backgroundDb(), config, catalog);
        FulltextSearch fulltext = new FulltextSearch(base.db());
        KedaiServer.Builder server = base.server("product");
        ProductSearch engine = fulltext;
        if (engine(config).equals("opensearch")) {
            SearchIndex index = SearchIndex.create(config);
            // the start-up reindex is background work: it reads the catalog on the background pool
            Thread bootstrap = SearchBootstrap.start(new Reindex(new ProductStore(base.backgroundDb()), index, Clock.systemUTC()));
            EventConsumer indexer = SearchIndexer.start(base.backgroundDb(), config, store, index);
            engine = new IndexedSearch(index, config);
            // closed in reverse: the bootstrap and the indexer stop before the client they use
            server.onStop(index).onStop(indexer).onStop(bootstrap::interrupt);
        }
        Optional<ProductSearch> fallback = config.get("product.search.fallback").asString()
                .filter("fulltext"::equalsIgnoreCase).map(f -> fulltext);
        ProductSearch search = new CatalogSearch(engine, fulltext, fallback);
        return server
                .filter(base.authentication())
                .routing(rules -> rules.register("/products", new ProductHttp(search, pages, catalog, Money.defaultCurrency(config)))
                        .register("/categories", new CategoryHttp(store)))
                .grpc(ProductGrpc.CALLERS, new ProductGrpc(store))
                .onStop(cacheRefresh)
                .build()
                .start();
    }

    /** {@code product.search.engine}: {@code fulltext} (default) or {@code opensearch}. */
    static String engine(Config config) {
        String engine = config.get("product.search.engine").asString().orElse("fulltext").toLowerCase(Locale.ROOT);
        if (!engine.equals("fulltext") && !engine.equals("opensearch")) {
            throw new IllegalArgumentException("product.search.engine must be fulltext or opensearch, not " + engine);
        }
        return engine;
    }
}

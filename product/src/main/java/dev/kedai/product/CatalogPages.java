package dev.kedai.product;

import java.util.function.Supplier;

import dev.kedai.contracts.CatalogGeneration;
import dev.kedai.platform.http.Json;
import dev.kedai.platform.http.Page;
import dev.kedai.platform.redis.GenerationCache;
import dev.kedai.platform.redis.RedisCopies;
import io.helidon.common.config.Config;

/**
 * The catalog list pages ({@code GET /products} without {@code q}) as ready JSON, kept in this
 * replica's memory and valid for one <em>catalog generation</em>: a random token in Redis that
 * every catalog write replaces before it answers ({@link #invalidate}; the token is the contract
 * {@link CatalogGeneration}, the mechanism platform's {@link GenerationCache}). A read asks Redis
 * for the token (one round trip, as a product read does) and serves the page made under that
 * token, so after an admin's write every replica's next page comes from the database:
 * read-your-writes across replicas, with {@code total} exact. The product events replace the
 * token again ({@link CacheRefresh}), which covers a write whose own replacement did not reach
 * Redis. Without Redis nothing is cached: the database answers every page.
 *
 * <p>Config {@code product.pages.max-bytes} (default 16 MiB of JSON per replica; the least
 * recently used pages go first).
 */
public final class CatalogPages {

    static final String GENERATION = CatalogGeneration.KEY;

    private final GenerationCache<ProductQuery, byte[]> pages;

    public CatalogPages(RedisCopies redis, long maxBytes) {
        // kedai_product_page_cache_lookups_total{outcome}
        this.pages = GenerationCache.byWeight(redis, GENERATION, maxBytes, body -> body.length + 200,
                "kedai.product.page.cache.lookups", "Catalog list page cache lookups by outcome");
    }

    public static CatalogPages create(RedisCopies redis, Config root) {
        return new CatalogPages(redis, root.get("product.pages.max-bytes").asLong().orElse(16L << 20));
    }

    /** The JSON of the page {@code query} names: cached for the current generation, else {@code load}ed (and cached). */
    public byte[] page(ProductQuery query, Supplier<Page<Product>> load) {
        // one load per page: concurrent misses of the same page wait for it rather than each
        // querying the database (a new generation under load was a stampede on MariaDB, issue 19)
        return pages.get(query, q -> Json.bytes(load.get()));
    }

    /**
     * Starts a new generation: no page made before it is served again, here or on any replica
     * (nor any product stock keeps for {@code /cart/add}).
     *
     * @return false when Redis could not be reached (the product event will try again)
     */
    public boolean invalidate() {
        return pages.invalidate();
    }
}

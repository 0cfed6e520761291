package dev.kedai.product;

import java.lang.System.Logger.Level;
import java.util.UUID;
import java.util.function.Supplier;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.kedai.platform.http.Json;
import dev.kedai.platform.http.Page;
import dev.kedai.platform.observe.OutcomeCounter;
import io.helidon.common.config.Config;
import redis.clients.jedis.UnifiedJedis;

/**
 * The catalog list pages ({@code GET /products} without {@code q}) as ready JSON, kept in this
 * replica's memory and valid for one <em>catalog generation</em>: a random token in Redis that
 * every catalog write replaces before it answers ({@link #invalidate}). A read asks Redis for the
 * token (one round trip, as a product read does) and serves the page made under that token, so
 * after an admin's write every replica's next page comes from the database: read-your-writes
 * across replicas, with {@code total} exact. The product events replace the token again
 * ({@link CacheRefresh}), which covers a write whose own replacement did not reach Redis.
 *
 * <p>The token is compared, never counted: a Redis that lost it (restart) gets a fresh one, which
 * matches no page made before. Without Redis nothing is cached: the database answers every page.
 *
 * <p>Config {@code product.pages.max-bytes} (default 16 MiB of JSON per replica; the least
 * recently used pages go first).
 */
public final class CatalogPages {

    private static final System.Logger LOG = System.getLogger(CatalogPages.class.getName());
    static final String GENERATION = "kedai:product:pages:generation";

    private final UnifiedJedis redis;
    private final Cache<Key, byte[]> pages;
    // kedai_product_page_cache_lookups_total{outcome}
    private final OutcomeCounter lookups = OutcomeCounter.create("kedai.product.page.cache.lookups",
            "Catalog list page cache lookups by outcome", "outcome", "hit", "miss", "bypass");

    private record Key(String generation, ProductQuery query) {
    }

    public CatalogPages(UnifiedJedis redis, long maxBytes) {
        this.redis = redis;
        this.pages = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((Key k, byte[] body) -> body.length + 200)
                .build();
    }

    public static CatalogPages create(UnifiedJedis redis, Config root) {
        return new CatalogPages(redis, root.get("product.pages.max-bytes").asLong().orElse(16L << 20));
    }

    /** The JSON of the page {@code query} names: cached for the current generation, else {@code load}ed (and cached). */
    public byte[] page(ProductQuery query, Supplier<Page<Product>> load) {
        String generation;
        try {
            generation = generation();
        } catch (RuntimeException e) {
            // DEBUG: during a Redis outage this is every list request; the bypass counter shows it
            LOG.log(Level.DEBUG, () -> "catalog generation unreadable, listing from the database: " + e);
            pages.invalidateAll();
            lookups.increment("bypass");
            return Json.bytes(load.get());
        }
        Key key = new Key(generation, query);
        byte[] cached = pages.getIfPresent(key);
        if (cached != null) {
            lookups.increment("hit");
            return cached;
        }
        lookups.increment("miss");
        // the generation was read before the database: a write committed meanwhile has replaced it,
        // so a page made from older rows is filed under a token no reader asks for any more.
        // One load per page: concurrent misses of the same page wait for it rather than each
        // querying the database (a new generation under load was a stampede on MariaDB, issue 19)
        return pages.get(key, k -> Json.bytes(load.get()));
    }

    /**
     * Starts a new generation: no page made before it is served again, here or on any replica.
     *
     * @return false when Redis could not be reached (the product event will try again)
     */
    public boolean invalidate() {
        pages.invalidateAll();
        try {
            redis.set(GENERATION, UUID.randomUUID().toString());
            return true;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "catalog generation not replaced: " + e);
            return false;
        }
    }

    private String generation() {
        String current = redis.get(GENERATION);
        if (current != null) {
            return current;
        }
        // none yet (or Redis lost it): start one; of racing replicas, the first SET NX wins
        redis.setnx(GENERATION, UUID.randomUUID().toString());
        return redis.get(GENERATION);
    }
}

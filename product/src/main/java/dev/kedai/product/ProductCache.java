package dev.kedai.product;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import dev.kedai.platform.http.Json;
import dev.kedai.platform.observe.OutcomeCounter;
import dev.kedai.platform.redis.RedisCopies;
import io.helidon.common.config.Config;
import redis.clients.jedis.UnifiedJedis;

/**
 * The Redis read-through cache of {@code GET /products/{id}}: one hash per product holding the
 * JSON body ({@code b}), its ETag ({@code e}) and the row version it was made from ({@code v}).
 *
 * <p>Every store is a compare-and-set by version in one Lua script, which closes the classic
 * read-through race: a reader that loaded version 3 from the database just before an update
 * committed version 4 cannot put version 3 back after the writer's {@link #invalidate}, because
 * the invalidation leaves a bodiless tombstone carrying version 4. Redis is shared by every
 * replica, so one invalidation is seen by all of them.
 *
 * <p>A replica keeps the bodies it served in memory while Redis says their entry has not changed
 * ({@link RedisCopies}): a hot product costs no round trip, and a write's invalidation still
 * reaches every replica before the writer answers.
 *
 * <p>Redis trouble never fails a read: the cache is skipped and the database answers.
 */
public final class ProductCache {

    private static final System.Logger LOG = System.getLogger(ProductCache.class.getName());
    private static final String PREFIX = "kedai:product:v1:";
    // KEYS[1] entry; ARGV[1] version, ARGV[2] body ('' = tombstone), ARGV[3] ttl ms, ARGV[4] etag.
    // Stores when there is no entry, an older one, or a tombstone of the same version.
    private static final String STORE = """
            local cur = redis.call('HGET', KEYS[1], 'v')
            if cur then
              local v = tonumber(cur)
              local mine = tonumber(ARGV[1])
              if v > mine then return 0 end
              if v == mine and (ARGV[2] == '' or redis.call('HEXISTS', KEYS[1], 'b') == 1) then return 0 end
            end
            redis.call('DEL', KEYS[1])
            if ARGV[2] == '' then
              redis.call('HSET', KEYS[1], 'v', ARGV[1])
            else
              redis.call('HSET', KEYS[1], 'v', ARGV[1], 'b', ARGV[2], 'e', ARGV[4])
            end
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            return 1""";

    private static final byte[] BODY = "b".getBytes(StandardCharsets.UTF_8);
    private static final byte[] ETAG = "e".getBytes(StandardCharsets.UTF_8);

    private final RedisCopies copies;
    private final UnifiedJedis redis;
    // kedai_product_cache_lookups_total{outcome}: the dashboards' hit ratio; a failed read is a miss (the database answers)
    private final OutcomeCounter lookups = OutcomeCounter.create("kedai.product.cache.lookups",
            "Product cache lookups by outcome", "outcome", "hit", "miss");
    private final Duration ttl;

    public ProductCache(RedisCopies copies, Duration ttl) {
        this.copies = copies.track(PREFIX);
        this.redis = copies.redis();
        this.ttl = ttl;
    }

    /** On the service's Redis, with {@code product.cache.ttl} (default PT10M). */
    public static ProductCache create(RedisCopies copies, Config root) {
        return new ProductCache(copies,
                                root.get("product.cache.ttl").as(Duration.class).orElse(Duration.ofMinutes(10)));
    }

    /** The cached body of an active product with its ETag, if there is one (a tombstone is a miss). */
    public Optional<ProductBody> get(String productId) {
        try {
            ProductBody body = copies.get(key(productId), this::read, b -> b.json().length + b.etag().length());
            lookups.increment(body != null ? "hit" : "miss");
            return Optional.ofNullable(body);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "product cache read failed, reading the database", e);
            lookups.increment("miss");
            return Optional.empty();
        }
    }

    // null for no entry or a tombstone
    private ProductBody read(String key) {
        List<byte[]> fields = redis.hmget(key.getBytes(StandardCharsets.US_ASCII), BODY, ETAG);
        byte[] body = fields.isEmpty() ? null : fields.get(0);
        if (body == null) {
            return null;
        }
        byte[] etag = fields.get(1);
        // an entry written before the ETag was kept with it has none: make it here
        return etag == null ? ProductBody.of(body) : new ProductBody(body, new String(etag, StandardCharsets.US_ASCII));
    }

    /** Stores the body of this version unless a newer version (or its tombstone) is there. */
    public ProductBody put(StoredProduct stored) {
        ProductBody body = ProductBody.of(Json.bytes(stored.product()));
        store(stored.product().productId(), stored.version(), new String(body.json(), StandardCharsets.UTF_8), body.etag());
        return body;
    }

    /**
     * Drops the body and leaves a tombstone of {@code version}: the next read goes to the
     * database, and nothing older can be stored any more.
     *
     * @return false when Redis could not be reached (the event-driven refresh will retry)
     */
    public boolean invalidate(String productId, long version) {
        return store(productId, version, "", "");
    }

    private boolean store(String productId, long version, String body, String etag) {
        try {
            String key = key(productId);
            redis.eval(STORE, List.of(key), List.of(Long.toString(version), body, Long.toString(ttl.toMillis()), etag));
            copies.written(key);
            return true;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "product cache write failed for " + productId, e);
            return false;
        }
    }

    static String key(String productId) {
        return PREFIX + productId;
    }
}

package dev.kedai.platform.redis;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.ToIntFunction;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.kedai.platform.http.AdmissionRefused;
import dev.kedai.platform.observe.OutcomeCounter;
import io.helidon.faulttolerance.Bulkhead;
import io.helidon.faulttolerance.BulkheadException;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;

/**
 * Values kept in this process's memory and valid for one <em>generation</em>: a random token in
 * Redis that every write of the data they derive from replaces before it answers
 * ({@link #invalidate}). A read asks for the token (this replica's {@link RedisCopies copy} of it while
 * Redis says it has not changed, else one round trip) and serves what was
 * loaded under that token, so after a write every reader's next read, in any replica of any
 * service that shares the token, loads afresh: read-your-writes without a TTL and without events.
 *
 * <p>The token is compared, never counted: a Redis that lost it (restart) gets a fresh one, which
 * matches nothing loaded before. Without Redis nothing is cached: every read loads, at most
 * {@link #LOADS_WITHOUT_REDIS} at once, and the next is refused at once ({@link AdmissionRefused},
 * 503 with {@code Retry-After}); after a failed call Redis is left alone for a second, so a paused
 * Redis costs one timeout a second, not one per read and write. Loads of one
 * key are single-flight: concurrent readers of a missing key wait for one load rather than each
 * going to the source. Exceptions of a load are not cached.
 *
 * <pre>{@code
 * GenerationCache<ProductQuery, byte[]> pages = GenerationCache.byWeight(redis, CatalogGeneration.KEY,
 *         16 << 20, body -> body.length, "kedai.product.page.cache.lookups", "Catalog list page cache lookups");
 * byte[] page = pages.get(query, q -> load(q));   // outcome hit, miss or bypass (Redis unreadable)
 * pages.invalidate();                            // in the writer, after its commit, before it answers
 * }</pre>
 *
 * @param <K> what a value is looked up by
 * @param <V> the value; never null (cache an {@code Optional} for "there is none")
 */
public final class GenerationCache<K, V> {

    private static final System.Logger LOG = System.getLogger(GenerationCache.class.getName());

    /** How long a per-key token lives in Redis unless its key is written again: bounds Redis' memory. */
    static final long KEY_TOKEN_SECONDS = 86_400;
    /**
     * While Redis is away, how many loads of one cache run at once; the next read is refused (503).
     * Every read goes to the source then, and a storm of them would hold every database connection
     * the service's writes need (stock's level reads share the request pool with its reservations).
     */
    public static final int LOADS_WITHOUT_REDIS = 4;
    /** After a failed Redis call, how long nobody asks Redis. */
    private static final long AWAY_NANOS = Duration.ofSeconds(1).toNanos();

    private final RedisCopies copies;
    private final UnifiedJedis redis;
    private final String tokenKey;   // the one token, or the prefix of each key's token (perKey)
    private final boolean perKey;
    private final Cache<Key<K>, V> values;
    private volatile long awayUntil = System.nanoTime();   // Redis is not asked before (nanoTime)
    private final Bulkhead loadsWithoutRedis = Bulkhead.create(b -> b.name("generation-cache-without-redis")
            .limit(LOADS_WITHOUT_REDIS).queueLength(0));
    // <name>_total{outcome}: hit, miss (loaded), bypass (token unreadable: loaded without caching)
    private final OutcomeCounter lookups;

    private record Key<K>(String generation, K key) {
    }

    private GenerationCache(RedisCopies copies, String tokenKey, boolean perKey, Cache<Key<K>, V> values,
                            String metric, String description) {
        this.copies = copies.track(tokenKey);
        this.redis = copies.redis();
        this.tokenKey = tokenKey;
        this.perKey = perKey;
        this.values = values;
        this.lookups = OutcomeCounter.create(metric, description, "outcome", "hit", "miss", "bypass");
    }

    /**
     * At most {@code maxEntries} values, each with a generation of its own: the token of key
     * {@code k} is {@code tokenPrefix + k}, and a write replaces only the tokens of the keys it
     * changed ({@link #invalidate(Object)}), so data written often does not empty the whole cache.
     * A read costs one Redis GET as with one token. A token unwritten for a day expires (the next
     * read starts a fresh one, a miss), so Redis holds tokens for the keys in use only. A value is
     * also loaded again once it is {@code maxAge} old: that bounds what a write whose new token
     * could not reach Redis leaves stale in the replicas that did not read during the outage.
     */
    public static <K, V> GenerationCache<K, V> perKey(RedisCopies redis, String tokenPrefix, long maxEntries,
                                                      Duration maxAge, String metric, String description) {
        return new GenerationCache<>(redis, tokenPrefix, true,
                                     Caffeine.newBuilder().maximumSize(maxEntries).expireAfterWrite(maxAge).build(),
                                     metric, description);
    }

    /**
     * At most {@code maxWeight} in total, {@code weight} of each value (e.g. its bytes; the least
     * used go first): a bound by count would let values of unbounded size fill the heap.
     *
     * @param tokenKey the Redis key of the token; every writer of the underlying data replaces it
     * @param metric   dotted name of the lookups counter ({@link OutcomeCounter}, label {@code outcome})
     */
    public static <K, V> GenerationCache<K, V> byWeight(RedisCopies redis, String tokenKey, long maxWeight,
                                                        ToIntFunction<? super V> weight, String metric,
                                                        String description) {
        Cache<Key<K>, V> values = Caffeine.newBuilder()
                .maximumWeight(maxWeight)
                .weigher((Key<K> k, V v) -> weight.applyAsInt(v))
                .build();
        return new GenerationCache<>(redis, tokenKey, false, values, metric, description);
    }

    /** The value of {@code key} loaded under the current generation, else {@code load}ed now (and kept). */
    public V get(K key, Function<? super K, ? extends V> load) {
        String generation = null;
        if (!away()) {
            try {
                generation = generation(perKey ? tokenKey + key : tokenKey);
            } catch (RuntimeException e) {
                // DEBUG: during a Redis outage this is every read; the bypass counter shows it
                LOG.log(Level.DEBUG, () -> "generation " + tokenKey + " unreadable, loading without the cache: " + e);
                goneAway();
            }
        }
        if (generation == null) {
            values.invalidateAll();
            lookups.increment("bypass");
            try {
                return loadsWithoutRedis.invoke(() -> load.apply(key));
            } catch (BulkheadException e) {
                throw new AdmissionRefused("the cache is unavailable and enough reads of it already wait for the"
                                           + " database; try again later");
            }
        }
        Key<K> k = new Key<>(generation, key);
        V cached = values.getIfPresent(k);
        if (cached != null) {
            lookups.increment("hit");
            return cached;
        }
        lookups.increment("miss");
        // the generation was read before the load: a write committed meanwhile has replaced it, so
        // a value loaded from older data is filed under a token no reader asks for any more
        return values.get(k, x -> load.apply(x.key()));
    }

    /**
     * Starts a new generation: nothing loaded before it is served again, here or anywhere else.
     *
     * @return false when Redis could not be reached (the caller's event-driven refresh should try again)
     */
    public boolean invalidate() {
        if (perKey) {
            throw new IllegalStateException("a per-key cache is invalidated by key");
        }
        values.invalidateAll();
        return replace(tokenKey);
    }

    /**
     * Starts a new generation of {@code key} (a {@link #perKey} cache): its value loaded before is
     * not served again, here or anywhere else. Call it after the write's commit, before answering.
     *
     * @return false when Redis could not be reached
     */
    public boolean invalidate(K key) {
        if (!perKey) {
            throw new IllegalStateException("a cache with one generation is invalidated whole");
        }
        return replace(tokenKey + key);
    }

    private boolean replace(String token) {
        if (away()) {
            values.invalidateAll();
            return false;
        }
        try {
            if (perKey) {
                redis.setex(token, KEY_TOKEN_SECONDS, UUID.randomUUID().toString());
            } else {
                redis.set(token, UUID.randomUUID().toString());
            }
            copies.written(token);
            return true;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "generation " + token + " not replaced: " + e);
            goneAway();
            values.invalidateAll();
            return false;
        }
    }

    private boolean away() {
        return System.nanoTime() - awayUntil < 0;
    }

    private void goneAway() {
        awayUntil = System.nanoTime() + AWAY_NANOS;
    }

    private String generation(String token) {
        return copies.get(token, this::readOrStart, String::length);
    }

    private String readOrStart(String token) {
        String current = redis.get(token);
        if (current != null) {
            return current;
        }
        // none yet (or Redis lost it, or it expired): start one; of racing writers, the first SET NX wins
        String fresh = UUID.randomUUID().toString();
        if (perKey) {
            redis.set(token, fresh, SetParams.setParams().nx().ex(KEY_TOKEN_SECONDS));
        } else {
            redis.setnx(token, fresh);
        }
        return redis.get(token);
    }
}

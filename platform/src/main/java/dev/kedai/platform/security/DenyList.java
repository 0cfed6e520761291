package dev.kedai.platform.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import dev.kedai.platform.redis.RedisPool;
import io.helidon.common.config.Config;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;

/**
 * Revoked access tokens ({@code jti}) and sessions ({@code sid}) in Redis. Every entry
 * expires when the tokens it revokes would have expired anyway, so the list never grows.
 * Redis is shared by all services, so a revocation is seen everywhere at once.
 */
public final class DenyList implements AutoCloseable {

    static final String TOKEN_PREFIX = "kedai:deny:jti:";
    static final String SESSION_PREFIX = "kedai:deny:sid:";

    private final UnifiedJedis redis;
    private final boolean ownsClient;
    private final Clock clock;

    /** Uses the caller's client (pooled), which it does not close. */
    public DenyList(UnifiedJedis redis) {
        this(redis, false, Clock.systemUTC());
    }

    private DenyList(UnifiedJedis redis, boolean ownsClient, Clock clock) {
        this.redis = redis;
        this.ownsClient = ownsClient;
        this.clock = clock;
    }

    /** A pooled client from {@code redis.*} ({@link RedisPool}); closed by {@link #close()}. */
    public static DenyList create(Config root) {
        return new DenyList(RedisPool.create(root), true,
                            Clock.systemUTC());
    }

    /** Revokes one access token until {@code until} (its {@code exp}). */
    public void revokeToken(String jti, Instant until) {
        put(TOKEN_PREFIX + jti, until);
    }

    /** Revokes every access token of a session; {@code until} = the latest {@code exp} it may have issued. */
    public void revokeSession(String sid, Instant until) {
        put(SESSION_PREFIX + sid, until);
    }

    public boolean isRevoked(Caller caller) {
        // one round trip for both keys
        return redis.exists(TOKEN_PREFIX + caller.tokenId(), SESSION_PREFIX + caller.sessionId()) > 0;
    }

    private void put(String key, Instant until) {
        long ttl = Duration.between(clock.instant(), until).toMillis();
        if (ttl > 0) {   // already expired tokens fail verification anyway
            redis.set(key, "1", SetParams.setParams().px(ttl));
        }
    }

    @Override
    public void close() {
        if (ownsClient) {
            redis.close();
        }
    }
}

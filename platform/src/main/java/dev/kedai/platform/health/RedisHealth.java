package dev.kedai.platform.health;

import dev.kedai.platform.redis.RedisPool;
import io.helidon.common.config.Config;
import redis.clients.jedis.UnifiedJedis;

/**
 * Whether Redis (deny list, caches, counters) answers {@code PING} ({@link DependencyHealth}:
 * health details, {@code kedai_dependency_up{dependency="redis"}}, never readiness). Uses a
 * client of its own so a probe never waits behind application traffic for a connection.
 */
public final class RedisHealth extends DependencyHealth implements AutoCloseable {

    private final UnifiedJedis redis;

    public RedisHealth(UnifiedJedis redis) {
        super("redis");
        this.redis = redis;
    }

    /** From {@code redis.*} ({@link RedisPool}); the client is closed by {@link #close()}. */
    public static RedisHealth create(Config root) {
        return new RedisHealth(RedisPool.create(root));
    }

    @Override
    protected String check() {
        String pong = redis.ping();
        return "PONG".equalsIgnoreCase(pong) ? null : "PING answered " + pong;
    }

    @Override
    public void close() {
        redis.close();
    }
}

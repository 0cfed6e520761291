package dev.kedai.platform.health;

import java.net.URI;

import io.helidon.common.config.Config;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

/**
 * Readiness of Redis (deny list, caches, counters): up when {@code PING} answers. Uses a pooled
 * client of its own so a probe never waits behind application traffic for a connection.
 */
public final class RedisReadiness implements HealthCheck, AutoCloseable {

    private final UnifiedJedis redis;

    public RedisReadiness(UnifiedJedis redis) {
        this.redis = redis;
    }

    /** From {@code redis.url} (redis://host:port); the client is closed by {@link #close()}. */
    public static RedisReadiness create(Config root) {
        return new RedisReadiness(RedisClient.create(URI.create(root.get("redis.url").asString().get())));
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.READINESS;
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public HealthCheckResponse call() {
        try {
            String pong = redis.ping();
            return HealthCheckResponse.builder().status("PONG".equalsIgnoreCase(pong)).build();
        } catch (RuntimeException e) {
            return HealthCheckResponse.builder().status(false).detail("error", String.valueOf(e.getMessage())).build();
        }
    }

    @Override
    public void close() {
        redis.close();
    }
}

package dev.kedai.platform.redis;

import java.net.URI;
import java.time.Duration;

import io.helidon.common.config.Config;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.util.JedisURIHelper;

/**
 * The one way Kedai opens Redis: a pooled client whose every call is bounded, so a Redis that
 * hangs (paused, overloaded, a network that drops packets) costs a request at most
 * {@code max-wait + timeout} instead of queueing it without end. The client library's defaults are
 * 8 connections and an infinite wait for one.
 *
 * <p>Config (root): {@code redis.url} ({@code redis://[user:password@]host:port[/db]},
 * {@code rediss://} for TLS), {@code redis.timeout} (connect and read, default PT0.25S),
 * {@code redis.pool.max-total} (default 32), {@code redis.pool.max-idle} (default 32),
 * {@code redis.pool.min-idle} (default 2), {@code redis.pool.max-wait} (how long a call waits for a
 * free connection, default PT0.2S, at most PT0.2S).
 */
public final class RedisPool {

    /** The longest a call may wait for a pooled connection, whatever the config says. */
    public static final Duration MAX_BORROW_WAIT = Duration.ofMillis(200);

    private RedisPool() {
    }

    /** A new client from the root config; the caller closes it. */
    public static RedisClient create(Config root) {
        Config redis = root.get("redis");
        URI uri = URI.create(redis.get("url").asString().get());
        Duration timeout = redis.get("timeout").as(Duration.class).orElse(Duration.ofMillis(250));
        Duration wait = redis.get("pool.max-wait").as(Duration.class).orElse(MAX_BORROW_WAIT);
        if (wait.compareTo(MAX_BORROW_WAIT) > 0 || wait.isNegative()) {
            wait = MAX_BORROW_WAIT;
        }
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(redis.get("pool.max-total").asInt().orElse(32));
        pool.setMaxIdle(redis.get("pool.max-idle").asInt().orElse(32));
        pool.setMinIdle(redis.get("pool.min-idle").asInt().orElse(2));
        pool.setBlockWhenExhausted(true);
        pool.setMaxWait(wait);
        return create(uri, timeout, pool);
    }

    /** A client with explicit settings (tests, tools). */
    public static RedisClient create(URI uri, Duration timeout, ConnectionPoolConfig pool) {
        int millis = (int) Math.max(1, timeout.toMillis());
        DefaultJedisClientConfig.Builder client = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(millis)
                .socketTimeoutMillis(millis)
                .ssl(JedisURIHelper.isRedisSSLScheme(uri));
        String user = JedisURIHelper.getUser(uri);
        String password = JedisURIHelper.getPassword(uri);
        if (password != null) {
            client.user(user).password(password);
        }
        if (JedisURIHelper.hasDbIndex(uri)) {
            client.database(JedisURIHelper.getDBIndex(uri));
        }
        return RedisClient.builder()
                .hostAndPort(JedisURIHelper.getHostAndPort(uri))
                .clientConfig(client.build())
                .poolConfig(pool)
                .build();
    }
}

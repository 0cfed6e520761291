package dev.kedai.platform.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import dev.kedai.infra.TestInfra;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.RedisClient;

import static org.assertj.core.api.Assertions.assertThat;

class GenerationCacheTest {

    /** A key's own generation: writing one key leaves the others cached; writing it loads it again. */
    @Test
    void aPerKeyWriteLoadsOnlyThatKeyAgain() {
        try (RedisClient redis = RedisClient.create(URI.create(TestInfra.get().redisUrl()))) {
            String prefix = "test:gen:" + java.util.UUID.randomUUID() + ":";
            GenerationCache<String, Optional<String>> cache = GenerationCache.perKey(redis, prefix, 100,
                    Duration.ofMinutes(1), "kedai.test.percache.lookups", "test");
            AtomicInteger loads = new AtomicInteger();
            java.util.function.Function<String, Optional<String>> load = k -> Optional.of(k + loads.incrementAndGet());

            assertThat(cache.get("a", load)).hasValue("a1");
            assertThat(cache.get("b", load)).hasValue("b2");
            assertThat(cache.get("a", load)).as("cached").hasValue("a1");

            assertThat(cache.invalidate("a")).isTrue();
            assertThat(cache.get("a", load)).as("written: loaded again").hasValue("a3");
            assertThat(cache.get("b", load)).as("not written: still cached").hasValue("b2");
            assertThat(redis.ttl(prefix + "a")).as("a token expires unless written again").isPositive();
        }
    }

    /**
     * A Redis that takes connections but never answers (paused): the first read waits one timeout
     * and loads without the cache; the reads and writes right after it do not ask Redis again, so
     * they do not wait a timeout each.
     */
    @Test
    void aSilentRedisIsAskedOnceASecondNotOnceARead() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> acceptAndCount(silent, connections));
            ConnectionPoolConfig pool = new ConnectionPoolConfig();
            pool.setMaxWait(Duration.ofMillis(250));
            try (RedisClient redis = RedisPool.create(URI.create("redis://127.0.0.1:" + silent.getLocalPort()),
                                                      Duration.ofMillis(250), pool)) {
                GenerationCache<String, Optional<String>> cache = GenerationCache.perKey(redis, "test:gen:", 100,
                        Duration.ofMinutes(1), "kedai.test.silent.lookups", "test");
                AtomicInteger loads = new AtomicInteger();
                for (int i = 0; i < 20; i++) {
                    assertThat(cache.get("a", k -> Optional.of("v" + loads.incrementAndGet()))).isPresent();
                    assertThat(cache.invalidate("a")).isFalse();
                }
                assertThat(loads).as("every read loaded: nothing cached without Redis").hasValue(20);
            }
        }
        assertThat(connections.get()).as("times the silent Redis was asked (each call opens a connection after a timeout)")
                .isBetween(1, 2);
    }

    /** Accepts connections and counts them, reading what is sent and never answering. */
    private static void acceptAndCount(ServerSocket server, AtomicInteger connections) {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.incrementAndGet();
                Thread.ofVirtual().start(() -> {
                    try (socket; InputStream in = socket.getInputStream()) {
                        in.transferTo(OutputStream.nullOutputStream());
                    } catch (IOException e) {
                        // the client gave up on us: that is the point
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }
}

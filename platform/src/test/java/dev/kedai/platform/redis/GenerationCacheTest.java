package dev.kedai.platform.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.kedai.infra.TestInfra;
import dev.kedai.platform.http.AdmissionRefused;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.RedisClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class GenerationCacheTest {

    /** A key's own generation: writing one key leaves the others cached; writing it loads it again. */
    @Test
    void aPerKeyWriteLoadsOnlyThatKeyAgain() {
        URI uri = URI.create(TestInfra.get().redisUrl());
        try (RedisClient redis = RedisClient.create(uri);
             RedisCopies copies = RedisCopies.create("test", uri, Duration.ofMillis(250), 1024 * 1024, redis)) {
            String prefix = "test:gen:" + java.util.UUID.randomUUID() + ":";
            GenerationCache<String, Optional<String>> cache = GenerationCache.perKey(copies, prefix, 100,
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
                GenerationCache<String, Optional<String>> cache = GenerationCache.perKey(RedisCopies.none(redis), "test:gen:", 100,
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

    /**
     * Redis away and every read going to the source: at most {@link GenerationCache#LOADS_WITHOUT_REDIS}
     * loads run at once and the next read is refused at once (503), so a read storm cannot take every
     * database connection the writes need (stock's reservations share the pool with its level reads).
     */
    @Test
    void withoutRedisOnlyABoundedNumberOfLoadsRunAtOnceAndTheRestAreRefusedAtOnce() throws Exception {
        try (RedisClient redis = RedisPool.create(URI.create("redis://127.0.0.1:" + closedPort()),
                                                  Duration.ofMillis(250), new ConnectionPoolConfig())) {
            GenerationCache<String, Optional<String>> cache = GenerationCache.perKey(RedisCopies.none(redis), "test:gen:", 100,
                    Duration.ofMinutes(1), "kedai.test.storm.lookups", "test");
            int bound = GenerationCache.LOADS_WITHOUT_REDIS;
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger running = new AtomicInteger();
            java.util.function.Function<String, Optional<String>> slowLoad = k -> {
                running.incrementAndGet();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Optional.of(k);
            };
            ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor();
            try {
                List<Future<Optional<String>>> inFlight = new ArrayList<>();
                for (int i = 0; i < bound; i++) {
                    String key = "k" + i;
                    inFlight.add(readers.submit(() -> cache.get(key, slowLoad)));
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> running.get() == bound);

                Future<Optional<String>> oneMore = readers.submit(() -> cache.get("one-more", slowLoad));
                assertThatThrownBy(() -> oneMore.get(200, TimeUnit.MILLISECONDS)).as("refused at once, not queued")
                        .hasCauseInstanceOf(AdmissionRefused.class);
                assertThat(running).as("the refused read never reached the source").hasValue(bound);

                release.countDown();
                for (int i = 0; i < bound; i++) {
                    assertThat(inFlight.get(i).get(10, TimeUnit.SECONDS)).hasValue("k" + i);
                }
            } finally {
                release.countDown();
                readers.shutdownNow();
            }
            assertThat(cache.get("after", k -> Optional.of("loaded"))).as("a free slot loads again").hasValue("loaded");
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
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

package dev.kedai.platform.redis;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.kedai.platform.db.TransientFailures;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.embedded.RedisServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A real redis-server of its own, stopped with SIGSTOP (hung: it accepts connections and never
 * answers): every call through the pool ends within a second, even with more callers than
 * connections. Fails with the client's defaults (2 s socket timeout, callers queued for a
 * connection without end).
 */
class RedisPoolTest {

    /** Issue 11's bound for a request while Redis hangs; by design a call costs at most 250 ms + 200 ms. */
    private static final Duration BOUND = Duration.ofSeconds(1);

    private RedisServer server;
    private int port;
    private long pid;

    @BeforeEach
    void start() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        server = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                .setting("save \"\"").setting("appendonly no").onShutdownForceStop(true).build();
        java.util.Set<Long> before = ProcessHandle.current().descendants().map(ProcessHandle::pid)
                .collect(java.util.stream.Collectors.toSet());
        server.start();
        pid = ProcessHandle.current().descendants()
                .filter(p -> !before.contains(p.pid()))
                .filter(p -> p.info().command().orElse("").contains("redis"))
                .findFirst().orElseThrow().pid();
    }

    @AfterEach
    void stop() throws Exception {
        signal("CONT");
        server.stop();
    }

    @Test
    void aHungRedisCostsACallAtMostTheTimeoutPlusTheBorrowWait() throws Exception {
        try (RedisClient redis = RedisPool.create(config(Map.of("redis.pool.max-total", "2")))) {
            redis.set("k", "v");
            signal("STOP");

            long t0 = System.nanoTime();
            assertThatThrownBy(() -> redis.get("k"))
                    .satisfies(e -> assertThat(TransientFailures.kind(e)).hasValue(TransientFailures.Kind.REDIS));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(BOUND);

            // ten callers, two connections: the others wait at most the borrow wait, then give up
            ExecutorService callers = Executors.newFixedThreadPool(10);
            try {
                List<Future<Duration>> calls = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    calls.add(callers.submit(() -> {
                        long start = System.nanoTime();
                        try {
                            redis.exists("kedai:deny:jti:x");
                        } catch (RuntimeException e) {
                            assertThat(TransientFailures.isTransient(e)).as("%s", e).isTrue();
                        }
                        return Duration.ofNanos(System.nanoTime() - start);
                    }));
                }
                for (Future<Duration> call : calls) {
                    assertThat(call.get(30, TimeUnit.SECONDS)).isLessThan(BOUND);
                }
            } finally {
                callers.shutdownNow();
            }

            signal("CONT");
            assertThat(redis.get("k")).as("answers again once Redis does").isEqualTo("v");
        }
    }

    /**
     * CI's fault suite, {@code stop-redis}: right after its restart Redis answered the deny list's
     * EXISTS with "LOADING Redis is loading the dataset in memory" (what Jedis throws, from the
     * service's log) and the add was a 500; it is Redis not being there yet: transient, a 503.
     */
    @Test
    void aRedisStillLoadingItsDataAfterARestartIsTransient() {
        var loading = new redis.clients.jedis.exceptions.JedisDataException("LOADING Redis is loading the dataset in memory");
        assertThat(TransientFailures.kind(loading)).hasValue(TransientFailures.Kind.REDIS);
        assertThat(TransientFailures.isTransient(new IllegalStateException("wrapped", loading))).isTrue();
        assertThat(TransientFailures.kind(new redis.clients.jedis.exceptions.JedisDataException(
                "WRONGTYPE Operation against a key holding the wrong kind of value"))).as("a bug stays a bug").isEmpty();
    }

    @Test
    void theBorrowWaitIsNeverLongerThan200Ms() {
        try (RedisClient redis = RedisPool.create(config(Map.of("redis.pool.max-wait", "PT5S")))) {
            assertThat(redis.getPool().getMaxWaitDuration()).isEqualTo(RedisPool.MAX_BORROW_WAIT);
        }
    }

    private Config config(Map<String, String> extra) {
        Map<String, String> m = new java.util.HashMap<>(extra);
        m.put("redis.url", "redis://127.0.0.1:" + port);
        return Config.just(ConfigSources.create(m));
    }

    private void signal(String signal) throws Exception {
        new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor();
    }
}

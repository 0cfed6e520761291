package dev.kedai.platform.redis;

import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import dev.kedai.infra.TestInfra;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.params.ClientKillParams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two replicas' copies over one real Redis. */
class RedisCopiesTest {

    private static final Duration TIMEOUT = Duration.ofMillis(250);

    private final String prefix = "test:copies:" + UUID.randomUUID() + ":";
    private final String key = prefix + "k";
    private final AtomicInteger reads = new AtomicInteger();
    private RedisClient redis;
    private RedisCopies writer;
    private RedisCopies reader;

    @BeforeEach
    void start() {
        URI uri = URI.create(TestInfra.get().redisUrl());
        redis = RedisClient.create(uri);
        writer = RedisCopies.create("test-writer", uri, TIMEOUT, 1024 * 1024, redis).track(prefix);
        reader = RedisCopies.create("test-reader", uri, TIMEOUT, 1024 * 1024, redis).track(prefix);
        redis.set(key, "v0");
    }

    @AfterEach
    void stop() {
        writer.close();
        reader.close();
        redis.close();
    }

    private final Function<String, String> countedRead = k -> {
        reads.incrementAndGet();
        return redis.get(k);
    };

    /** Once trusted, a copy answers without Redis; a write in another replica is read right after it returns. */
    @Test
    void aWriteInOneReplicaIsReadInAnotherTheMomentItReturns() {
        awaitCopyServed();
        int before = reads.get();
        for (int i = 0; i < 1000; i++) {
            assertThat(reader.get(key, countedRead, String::length)).isEqualTo("v0");
        }
        assertThat(reads.get()).as("reads that asked Redis while nothing changed").isEqualTo(before);

        for (int i = 1; i <= 300; i++) {
            assertThat(reader.get(key, countedRead, String::length)).isNotNull();   // a copy to go stale
            redis.set(key, "v" + i);
            writer.written(key);
            assertThat(reader.get(key, countedRead, String::length)).as("read right after write %d returned", i).isEqualTo("v" + i);
        }
    }

    /** A Redis that stops answering is not trusted for long: reads go to it before a writer's timeout ends. */
    @Test
    void aCopyIsNotServedOnceRedisStopsAnswering() throws Exception {
        awaitCopyServed();
        try (Jedis sleeper = new Jedis(URI.create(TestInfra.get().redisUrl()), 5_000)) {
            long paused = System.nanoTime();
            Thread pause = Thread.ofVirtual().start(() -> sleeper.sendCommand(() -> "DEBUG".getBytes(), "SLEEP", "1"));
            // a read without a copy, minus Redis (asleep)
            Function<String, String> wouldRead = k -> "asked Redis";
            await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(5))
                    .until(() -> reader.get(key, wouldRead, String::length).equals("asked Redis"));
            long trustedFor = Duration.ofNanos(System.nanoTime() - paused).toMillis();
            assertThat(trustedFor).as("ms a copy was still served after Redis stopped answering")
                    .isLessThan(TIMEOUT.toMillis());
            pause.join();
        }
    }

    /** A lost tracking connection drops every copy: what changed while it was away is not missed. */
    @Test
    void aLostTrackingConnectionDropsEveryCopy() {
        awaitCopyServed();
        try (Jedis admin = new Jedis(URI.create(TestInfra.get().redisUrl()))) {
            admin.clientKill(ClientKillParams.clientKillParams().type(ClientType.PUBSUB));
        }
        redis.set(key, "changed while nobody tracked it");
        assertThat(reader.get(key, countedRead, String::length)).isEqualTo("changed while nobody tracked it");
        awaitCopyServed();
        assertThat(reader.get(key, countedRead, String::length)).isEqualTo("changed while nobody tracked it");
    }

    /** Keys outside the tracked prefixes are read every time. */
    @Test
    void anUntrackedKeyIsAlwaysRead() {
        awaitCopyServed();
        int before = reads.get();
        reader.get("test:elsewhere:" + UUID.randomUUID(), countedRead, String::length);
        reader.get("test:elsewhere:" + UUID.randomUUID(), countedRead, String::length);
        assertThat(reads.get()).isEqualTo(before + 2);
    }

    /** Copies are bounded by their bytes, not their number: large values cannot fill the heap. */
    @Test
    void copiesHoldNoMoreBytesThanTheirBudget() {
        String large = "x".repeat(100 * 1024);
        for (int i = 0; i < 50; i++) {
            redis.set(prefix + "large-" + i, large);
        }
        try (RedisCopies small = RedisCopies.create("test-small", URI.create(TestInfra.get().redisUrl()), TIMEOUT,
                                                    1024 * 1024, redis).track(prefix)) {
            awaitCopyServed(small);
            for (int i = 0; i < 50; i++) {
                small.get(prefix + "large-" + i, countedRead, String::length);
            }
            int before = reads.get();
            for (int i = 0; i < 50; i++) {
                small.get(prefix + "large-" + i, countedRead, String::length);
            }
            // 1 MiB holds at most ten values of 100 KiB: the other forty were dropped, so asked for again
            assertThat(reads.get() - before).as("of 50 values of 100 KiB, read again with 1 MiB of copies")
                    .isGreaterThanOrEqualTo(40);
        }
    }

    private void awaitCopyServed() {
        awaitCopyServed(reader);
    }

    // the tracking connection is up and its lease held: a second read of the key asks Redis no more
    private void awaitCopyServed(RedisCopies copies) {
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).until(() -> {
            copies.get(key, countedRead, String::length);
            int n = reads.get();
            copies.get(key, countedRead, String::length);
            return reads.get() == n;
        });
    }
}

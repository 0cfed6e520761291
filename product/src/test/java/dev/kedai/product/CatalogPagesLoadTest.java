package dev.kedai.product;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import dev.kedai.platform.redis.RedisCopies;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.http.Page;
import dev.kedai.platform.http.PageRequest;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A page missing from memory is loaded from the database once, however many readers ask at once. */
class CatalogPagesLoadTest {

    @Test
    void concurrentMissesOfOnePageQueryTheDatabaseOnce() throws Exception {
        try (RedisClient redis = RedisClient.create(URI.create(TestInfra.get().redisUrl()))) {
            CatalogPages pages = new CatalogPages(RedisCopies.none(redis), 1 << 20);
            ProductQuery query = new ProductQuery(Optional.empty(), Optional.of("load-" + System.nanoTime()), List.of(),
                    ProductSort.NEWEST, new PageRequest(1, 10));
            AtomicInteger loads = new AtomicInteger();
            CountDownLatch loading = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Supplier<Page<Product>> slowDatabase = () -> {
                loads.incrementAndGet();
                loading.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return new Page<>(List.of(), 1, 10, 0);
            };

            Thread first = Thread.ofPlatform().start(() -> pages.page(query, slowDatabase));
            assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<byte[]> second = new CompletableFuture<>();
            Thread waiter = Thread.ofPlatform().start(() -> second.complete(pages.page(query, slowDatabase)));
            // the second reader is parked: behind the first one's load, or (without single flight) in its own
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> waiter.getState() != Thread.State.NEW && waiter.getState() != Thread.State.RUNNABLE);
            release.countDown();
            first.join(10_000);

            assertThat(new String(second.get(10, TimeUnit.SECONDS))).contains("\"total\":0");
            assertThat(loads).hasValue(1);
        }
    }
}

package dev.kedai.platform.health;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import io.helidon.health.HealthCheckResponse;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class SupervisedLoopTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Runtime exceptions and errors alike: the loop pauses and goes on, and says so in its metrics. */
    @Test
    void aLoopSurvivesWhateverAnIterationThrows() {
        String name = "test-loop-" + UUID.randomUUID();
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger successes = new AtomicInteger();
        try (SupervisedLoop loop = SupervisedLoop.builder(name, () -> {
                    int n = runs.incrementAndGet();
                    switch (n) {
                        case 1 -> throw new IllegalStateException("the database is away");
                        case 2 -> throw new AssertionError("a bug in a handler");
                        case 3 -> throw new StackOverflowError();
                        default -> successes.incrementAndGet();
                    }
                    return Duration.ofMillis(5);
                }).failureBackoff(Duration.ofMillis(5), Duration.ofMillis(20)).build().start()) {
            await().atMost(WAIT).until(() -> successes.get() >= 3);
            assertThat(failures(name)).isEqualTo(3);
            assertThat(lastSuccess(name)).isGreaterThan(0);
            assertThat(LoopLiveness.check().call().status()).isEqualTo(HealthCheckResponse.Status.UP);
        }
    }

    /** Liveness fails while an iteration hangs beyond stuckAfter, and recovers when it ends. */
    @Test
    void livenessFailsWhileAnIterationIsStuck() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        try (SupervisedLoop loop = SupervisedLoop.builder("test-stuck-" + UUID.randomUUID(), () -> {
                    if (runs.incrementAndGet() == 1) {
                        entered.countDown();
                        release.await();
                    }
                    return Duration.ofMillis(5);
                }).stuckAfter(Duration.ofMillis(200)).build().start()) {
            assertThat(entered.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            await().atMost(WAIT).until(() -> LoopLiveness.check().call().status() == HealthCheckResponse.Status.DOWN);
            assertThat(String.valueOf(LoopLiveness.check().call().details().get(loop.name()))).startsWith("STUCK");
            release.countDown();
            await().atMost(WAIT).until(() -> LoopLiveness.check().call().status() == HealthCheckResponse.Status.UP);
        }
    }

    @Test
    void backoffDoublesUpToItsCap() {
        Duration initial = Duration.ofMillis(100);
        Duration max = Duration.ofSeconds(2);
        assertThat(SupervisedLoop.backoff(initial, max, 1)).isBetween(Duration.ofMillis(50), initial);
        assertThat(SupervisedLoop.backoff(initial, max, 3)).isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
        assertThat(SupervisedLoop.backoff(initial, max, 40)).isBetween(Duration.ofSeconds(1), max);
    }

    private static long failures(String name) {
        return Metrics.globalRegistry().counter(SupervisedLoop.FAILURES, List.of(Tag.create("loop", name)))
                .map(Counter::count).orElse(-1L);
    }

    private static double lastSuccess(String name) {
        return Metrics.globalRegistry().gauge(SupervisedLoop.LAST_SUCCESS, List.of(Tag.create("loop", name)))
                .map(Gauge::value).map(Number::doubleValue).orElse(Double.NaN);
    }
}

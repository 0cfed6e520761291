package dev.kedai.platform.server;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class PeriodicTaskTest {

    @Test
    void aFailedRoundIsLoggedAndTheNextOneRuns() throws Exception {
        AtomicInteger rounds = new AtomicInteger();
        CountDownLatch third = new CountDownLatch(3);
        try (PeriodicTask task = PeriodicTask.start("test-loop", Duration.ofMillis(10), () -> {
            third.countDown();
            if (rounds.incrementAndGet() == 1) {
                throw new IllegalStateException("the first round fails");
            }
            return false;
        })) {
            assertThat(third.await(10, TimeUnit.SECONDS)).as("rounds after a failure").isTrue();
            assertThat(task.lastSuccess()).isNotNull();
        }
    }

    @Test
    void aBatchThatSaysMoreIsDueRunsAgainInTheSameRound() throws Exception {
        AtomicInteger batches = new AtomicInteger();
        AtomicReference<PeriodicTask> started = new AtomicReference<>();
        CompletableFuture<Instant> completedBeforeTheLastBatch = new CompletableFuture<>();
        try (PeriodicTask task = PeriodicTask.start("test-drain", Duration.ofMillis(10), () -> {
            if (batches.incrementAndGet() < 5) {
                return true;
            }
            await().until(() -> started.get() != null);
            completedBeforeTheLastBatch.complete(Optional.ofNullable(started.get().lastSuccess()).orElse(Instant.MAX));
            return false;
        })) {
            started.set(task);
            // the five batches are one round: none had completed when the fifth ran
            assertThat(completedBeforeTheLastBatch.get(10, TimeUnit.SECONDS)).isEqualTo(Instant.MAX);
        }
    }
}

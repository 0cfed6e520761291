package dev.kedai.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

class OpenLoopTest {

    /**
     * A lower rate set while the schedule is walked spaces the next slots by it: the fault suite
     * slows its customers down this way on a machine that cannot serve them. Checked on the due
     * times the walk hands out, and that no slot starts before its due time: comparing two start
     * times instead failed once in CI (399.92 ms), a slot started a little late being no fault.
     */
    @Test
    void aNewRateSpacesTheSlotsThatFollow() throws Exception {
        OpenLoop loop = new OpenLoop(1000, 100);
        List<Long> starts = new CopyOnWriteArrayList<>();
        List<Long> dues = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            Thread walker = Thread.ofPlatform().start(() -> loop.run(Long.MAX_VALUE, executor, (slot, due) -> {
                starts.add(System.nanoTime());
                dues.add(due);
                if (starts.size() == 20) {
                    loop.rate(10);   // 1 ms apart so far, 100 ms from here on
                }
                if (starts.size() == 25) {
                    stop.set(true);
                }
                return () -> { };
            }, slot -> { }, stop::get));
            walker.join(Duration.ofSeconds(10));
        }
        assertThat(loop.rate()).isEqualTo(10);
        assertThat(starts).hasSize(25);
        // the last four gaps come at the new rate: 400 ms in all (to the nanosecond's rounding)
        assertThat(Duration.ofNanos(dues.get(24) - dues.get(20))).isGreaterThanOrEqualTo(Duration.ofMillis(400).minusNanos(5));
        for (int i = 0; i < 25; i++) {
            assertThat(starts.get(i)).as("slot %d starts at or after its due time", i).isGreaterThanOrEqualTo(dues.get(i));
        }
    }
}

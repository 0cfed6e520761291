package dev.kedai.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchPlotsTest {

    @Test
    void theJourneyPlotShowsThroughputAboveLatencyPerSecond(@TempDir Path dir) throws Exception {
        List<JourneySecond> seconds = new ArrayList<>();
        for (int s = 0; s < 30; s++) {
            // a stall at 10-12 s: nothing paid, then a burst with a long tail
            boolean stalled = s >= 10 && s < 13;
            seconds.add(new JourneySecond(s, stalled ? 0 : 20 + s % 3, stalled ? 0 : 40 + s, stalled ? 0 : 120 + 10 * s));
        }

        Path png = BenchPlots.journeyOverTime("journey at 20/s", seconds, dir.resolve("journey-20261204-120000.png"));

        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).as("a PNG ImageIO decodes").isNotNull();
        assertThat(image.getWidth()).isEqualTo(BenchPlots.WIDTH);
        // two charts stacked, each half the height
        assertThat(image.getHeight()).isEqualTo(2 * (BenchPlots.HEIGHT / 2));
    }

    @Test
    void anEmptyRunStillGetsItsPictures(@TempDir Path dir) throws Exception {
        assertThat(ImageIO.read(BenchPlots.journeyOverTime("journey", List.of(), dir.resolve("j.png")).toFile()))
                .isNotNull();
        assertThat(ImageIO.read(BenchPlots.latencyPercentiles("none", new Histogram(3), dir.resolve("l.png")).toFile()))
                .isNotNull();
    }

    @Test
    void paidJourneysFallIntoTheSecondTheyEndedIn() {
        JourneyTimeline timeline = new JourneyTimeline();
        long origin = 1_000_000_000_000L;
        timeline.paid(origin + 200_000_000L, 10_000);        // 0.2 s: 10 ms
        timeline.paid(origin + 900_000_000L, 30_000);        // 0.9 s: 30 ms
        timeline.paid(origin + 2_500_000_000L, 500_000);     // 2.5 s: 500 ms; second 1 had none

        List<JourneySecond> seconds = timeline.seconds(origin, 5);

        assertThat(seconds).extracting(JourneySecond::paid).containsExactly(2L, 0L, 1L, 0L, 0L);
        assertThat(seconds.get(0).p99Ms()).isBetween(29.9, 30.1);
        assertThat(seconds.get(2).p50Ms()).isBetween(499.0, 501.0);
    }
}

package dev.kedai.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.HdrHistogram.Histogram;

/** Paid journeys as they end, then bucketed by second since the run's origin (for the over-time plot). */
final class JourneyTimeline {

    private record Paid(long endNanos, long micros) {
    }

    private final Queue<Paid> paid = new ConcurrentLinkedQueue<>();

    /** One journey paid at {@code endNanos} ({@link System#nanoTime()}) after {@code micros}. */
    void paid(long endNanos, long micros) {
        paid.add(new Paid(endNanos, micros));
    }

    /**
     * Every second from the origin to the last paid journey, or to {@code atLeastSeconds}, whichever
     * is later; a second without a paid journey is there with zeros, so a stall shows as a gap.
     */
    List<JourneySecond> seconds(long originNanos, int atLeastSeconds) {
        List<Histogram> buckets = new ArrayList<>();
        for (Paid p : paid) {
            int second = (int) Math.max(0, (p.endNanos() - originNanos) / 1_000_000_000L);
            while (buckets.size() <= second) {
                buckets.add(new Histogram(3));
            }
            buckets.get(second).recordValue(Math.max(1, p.micros()));
        }
        while (buckets.size() < atLeastSeconds) {
            buckets.add(new Histogram(3));
        }
        List<JourneySecond> seconds = new ArrayList<>(buckets.size());
        for (int s = 0; s < buckets.size(); s++) {
            Histogram h = buckets.get(s);
            seconds.add(new JourneySecond(s, h.getTotalCount(), h.getValueAtPercentile(50) / 1000.0,
                    h.getValueAtPercentile(99) / 1000.0));
        }
        return seconds;
    }
}

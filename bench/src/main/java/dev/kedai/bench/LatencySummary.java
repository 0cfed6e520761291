package dev.kedai.bench;

import org.HdrHistogram.AbstractHistogram;

/** Percentiles of one histogram, in milliseconds (the histogram itself holds microseconds). */
public record LatencySummary(long count, double mean, double p50, double p90, double p99, double p999, double max) {

    static LatencySummary of(AbstractHistogram micros) {
        if (micros.getTotalCount() == 0) {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0);
        }
        return new LatencySummary(micros.getTotalCount(),
                millis(micros.getMean()),
                millis(micros.getValueAtPercentile(50)),
                millis(micros.getValueAtPercentile(90)),
                millis(micros.getValueAtPercentile(99)),
                millis(micros.getValueAtPercentile(99.9)),
                millis(micros.getMaxValue()));
    }

    private static double millis(double micros) {
        // three decimals = microsecond resolution, no noise digits in the JSON
        return Math.round(micros) / 1000.0;
    }
}

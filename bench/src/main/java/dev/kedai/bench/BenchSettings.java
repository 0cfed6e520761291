package dev.kedai.bench;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * What one run does: offer {@code rate} requests per second to {@code target} for
 * {@code warmup} (not recorded) and then {@code duration} (recorded), with at most
 * {@code concurrency} requests in flight and {@code timeout} per request.
 */
public record BenchSettings(URI target, double rate, Duration warmup, Duration duration, int concurrency,
                            Duration timeout) {

    /** Caps that keep a typo from turning into an hour of flooding. */
    static final double MAX_RATE = 1_000_000;
    static final Duration MAX_PHASE = Duration.ofHours(1);

    public BenchSettings {
        Objects.requireNonNull(target, "target");
        LoopbackTarget.require(target);
        Objects.requireNonNull(warmup, "warmup");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(timeout, "timeout");
        if (!(rate > 0) || rate > MAX_RATE) {
            throw new IllegalArgumentException("rate must be in (0, " + (long) MAX_RATE + "] req/s, got " + rate);
        }
        if (warmup.isNegative() || warmup.compareTo(MAX_PHASE) > 0) {
            throw new IllegalArgumentException("warmup must be between 0 and 1h, got " + warmup);
        }
        if (duration.isNegative() || duration.isZero() || duration.compareTo(MAX_PHASE) > 0) {
            throw new IllegalArgumentException("duration must be more than 0 and at most 1h, got " + duration);
        }
        if (concurrency < 1 || concurrency > 100_000) {
            throw new IllegalArgumentException("concurrency must be between 1 and 100000, got " + concurrency);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
    }

    /** Number of requests the warm-up phase schedules. */
    public long warmupRequests() {
        return Math.round(rate * warmup.toNanos() / 1e9);
    }

    /** Number of requests the measured phase schedules. */
    public long measuredRequests() {
        return Math.max(1, Math.round(rate * duration.toNanos() / 1e9));
    }
}

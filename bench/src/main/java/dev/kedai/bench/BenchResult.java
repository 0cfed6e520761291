package dev.kedai.bench;

import java.util.Map;

/**
 * What the measured phase produced (warm-up is never counted).
 *
 * @param scheduled        requests the schedule called for (rate × duration)
 * @param sent             requests actually sent (scheduled − dropped)
 * @param completed        requests that got an HTTP response, whatever its status
 * @param ok               responses with a 2xx status
 * @param dropped          slots skipped because {@code concurrency} requests were already in flight
 *                         (the system under test, or the generator, is overloaded)
 * @param unfinished       requests still in flight when the run gave up waiting for them
 * @param errors           failures by kind: {@code http_<code>} for non-2xx, {@code timeout},
 *                         {@code connect_error}, {@code connection_closed}, {@code io_error},
 *                         {@code other_error_<Exception>}
 * @param elapsedSeconds   from the first measured slot to the last measured response (at least the duration)
 * @param achievedRps      completed / elapsedSeconds
 * @param okRps            ok / elapsedSeconds
 * @param latencyMs        response time from the <em>intended</em> send time, every completed request
 * @param sendLagMs        how late requests left compared with their slot: the generator's own delay
 * @param latencyHistogram the latency histogram (microseconds), HdrHistogram compressed V2, base64
 */
public record BenchResult(long scheduled, long sent, long completed, long ok, long dropped, long unfinished,
                          Map<String, Long> errors, double elapsedSeconds, double achievedRps, double okRps,
                          LatencySummary latencyMs, LatencySummary sendLagMs, String latencyHistogram) {

    /** Total failures, dropped and unfinished slots included. */
    public long failures() {
        return dropped + unfinished + errors.values().stream().mapToLong(Long::longValue).sum();
    }
}

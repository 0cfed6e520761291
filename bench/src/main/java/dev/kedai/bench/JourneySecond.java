package dev.kedai.bench;

/**
 * One second of the checkout journey: the journeys paid in it and their latency.
 *
 * @param second seconds since the first arrival (0 is [0 s, 1 s))
 * @param paid   journeys whose payment was answered in that second
 * @param p50Ms  median journey latency of those, ms (0 if none)
 * @param p99Ms  99th percentile of those, ms (0 if none)
 */
public record JourneySecond(int second, long paid, double p50Ms, double p99Ms) {
}

package dev.kedai.bench;

import java.util.List;
import java.util.Map;

/**
 * One checkout-journey run as it is written to its result file, beside the scenarios' {@link BenchReport}s.
 *
 * @param startedAt ISO-8601 UTC instant at which the run started
 */
public record JourneyReport(String scenario, String startedAt, Parameters parameters, RunEnvironment environment,
                            Results results) {

    /** @param rate offered journeys per second */
    public record Parameters(String target, double rate, double durationSeconds, int users) {
    }

    /**
     * @param paidOrders     journeys that ended with a paid order
     * @param paidPerSecond  paidOrders / elapsedSeconds
     * @param failures       answers that were not the step's success, by step and status (or failure)
     * @param perSecond      paid journeys and their latency, second by second from the first arrival
     */
    public record Results(long paidOrders, double elapsedSeconds, double paidPerSecond, long dropped,
                          Map<String, Integer> failures, LatencySummary addMs, LatencySummary orderMs,
                          LatencySummary payMs, LatencySummary journeyMs, LatencySummary shedMs,
                          List<JourneySecond> perSecond) {
    }
}

package dev.kedai.bench;

import java.util.Locale;
import java.util.stream.Collectors;

/**
 * One run as it is written to the result file: what was asked, where it ran, what came out.
 *
 * @param startedAt ISO-8601 UTC instant at which the run started
 */
public record BenchReport(String scenario, String startedAt, Parameters parameters, RunEnvironment environment,
                          BenchResult results) {

    /** The run's settings in plain JSON-friendly units. */
    public record Parameters(String target, double rate, double warmupSeconds, double durationSeconds,
                             int concurrency, long timeoutMs) {

        static Parameters of(BenchSettings settings) {
            return new Parameters(settings.target().toString(), settings.rate(),
                    settings.warmup().toMillis() / 1000.0, settings.duration().toMillis() / 1000.0,
                    settings.concurrency(), settings.timeout().toMillis());
        }
    }

    /** The human-readable summary printed at the end of a run. */
    public String toText() {
        BenchResult r = results;
        LatencySummary l = r.latencyMs();
        String errors = r.errors().isEmpty() ? "none" : r.errors().entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
        StringBuilder text = new StringBuilder();
        text.append(format("scenario %s -> %s (commit %s)%n", scenario, parameters.target(),
                environment.gitCommit() == null ? "unknown" : environment.gitCommit().substring(0, 12)
                        + (Boolean.TRUE.equals(environment.gitDirty()) ? "+dirty" : "")));
        text.append(format("offered  %.0f req/s for %.1f s (warm-up %.1f s), concurrency %d, timeout %d ms%n",
                parameters.rate(), parameters.durationSeconds(), parameters.warmupSeconds(),
                parameters.concurrency(), parameters.timeoutMs()));
        text.append(format("achieved %.1f req/s (2xx %.1f req/s) over %.3f s%n",
                r.achievedRps(), r.okRps(), r.elapsedSeconds()));
        text.append(format("requests scheduled %d, sent %d, completed %d, 2xx %d, dropped %d, unfinished %d%n",
                r.scheduled(), r.sent(), r.completed(), r.ok(), r.dropped(), r.unfinished()));
        text.append(format("errors   %s%n", errors));
        text.append(format("latency  ms (from intended send time)  p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f"
                + "  mean %.3f%n", l.p50(), l.p90(), l.p99(), l.p999(), l.max(), l.mean()));
        LatencySummary lag = r.sendLagMs();
        text.append(format("send lag ms (generator)  p50 %.3f  p99 %.3f  max %.3f%n", lag.p50(), lag.p99(), lag.max()));
        if (lag.p99() > 5) {
            text.append("warning: the generator itself sent late (send lag p99 > 5 ms); it may be the bottleneck\n");
        }
        text.append(format("machine  %d cores, %s %s%n", environment.availableProcessors(), environment.vmName(),
                environment.javaVersion()));
        return text.toString();
    }

    private static String format(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }
}

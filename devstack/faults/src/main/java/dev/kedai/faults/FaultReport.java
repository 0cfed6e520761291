package dev.kedai.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The result of a run: one row per fault (and one for the baseline before the first fault and one
 * for the end), printed as a table and written as JSON.
 *
 * @param startedAt     ISO-8601 UTC
 * @param gitCommit     HEAD of the checkout, or null
 * @param rate          offered journeys per second
 * @param customers     customers logged in
 * @param quietSeconds  the window after recovery in which errors are still allowed
 * @param rows          baseline, each fault, end
 * @param journeysPerSecond journeys that started per second over the whole run (the rate actually offered)
 * @param unserved      arrivals skipped because every customer was in a journey
 * @param elapsedSeconds the whole run, start-up included
 */
record FaultReport(String startedAt, String gitCommit, double rate, int customers, long quietSeconds, List<Row> rows,
                   double journeysPerSecond, long unserved, double elapsedSeconds) {

    /**
     * @param fault           short name ({@code baseline}, {@code kill-cartorder}, ..., {@code end})
     * @param title           what was done
     * @param proves          what surviving it shows
     * @param run             false when the time budget ran out before it
     * @param journeys        journeys started from the injection to the end of the quiet window
     * @param seconds         how long that window was
     * @param errorsInWindow  client-visible errors in that window (allowed, except 500)
     * @param errorKinds      those errors by step and status
     * @param secondsToRecover from the start of the restore to the end of the first clean journey
     *                         started after it; null when it did not recover
     * @param violations      invariants that did not hold, first seen at this row's check
     */
    record Row(String fault, String title, String proves, boolean run, long journeys, double seconds, long errorsInWindow,
               Map<String, Long> errorKinds, Double secondsToRecover, List<Violation> violations) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    long violationCount() {
        return rows.stream().mapToLong(r -> r.violations().size()).sum();
    }

    /** No violation: a fault the budget left out carries one unless it may be left out ({@link FaultRun#notRun}). */
    boolean passed() {
        return violationCount() == 0;
    }

    /**
     * The table: fault, journeys started in its window (and per second), errors in the window, time
     * to recover, violations (counted by invariant).
     */
    String table() {
        StringBuilder t = new StringBuilder();
        t.append(String.format(Locale.ROOT, "| %-52s | %15s | %16s | %12s | %s |%n", "fault", "journeys (/s)",
                "errors in window", "recovered in", "violations"));
        t.append("|").append("-".repeat(54)).append("|").append("-".repeat(16)).append(":|")
                .append("-".repeat(17)).append(":|").append("-".repeat(13)).append(":|").append("-".repeat(12)).append("|\n");
        for (Row row : rows) {
            String recovered = !row.run() ? "not run" : row.secondsToRecover() == null
                    ? (row.fault().equals("baseline") || row.fault().equals("end") ? "-" : "NO")
                    : String.format(Locale.ROOT, "%.1f s", row.secondsToRecover());
            String journeys = row.seconds() > 0
                    ? String.format(Locale.ROOT, "%d (%.1f)", row.journeys(), row.journeys() / row.seconds())
                    : Long.toString(row.journeys());
            t.append(String.format(Locale.ROOT, "| %-52s | %15s | %16d | %12s | %s |%n", row.title(), journeys,
                    row.errorsInWindow(), recovered, summary(row.violations())));
        }
        return t.toString();
    }

    /** {@code 0}, or the count by invariant ({@code 3: paid-not-fulfilled 2, dead-letters 1}). */
    static String summary(List<Violation> violations) {
        if (violations.isEmpty()) {
            return "0";
        }
        Map<String, Integer> byInvariant = new LinkedHashMap<>();
        violations.forEach(v -> byInvariant.merge(v.invariant(), 1, Integer::sum));
        List<String> parts = new ArrayList<>();
        byInvariant.forEach((invariant, n) -> parts.add(invariant + " " + n));
        return violations.size() + ": " + String.join(", ", parts);
    }

    /** Up to {@code perRow} violations of each row, one per line. */
    String details(int perRow) {
        StringBuilder d = new StringBuilder();
        for (Row row : rows) {
            if (row.violations().isEmpty()) {
                continue;
            }
            d.append(row.fault()).append(":\n");
            row.violations().stream().limit(perRow).forEach(v -> d.append("  - ").append(v).append('\n'));
            if (row.violations().size() > perRow) {
                d.append("  - ... ").append(row.violations().size() - perRow).append(" more (see the JSON)\n");
            }
        }
        return d.toString();
    }

    void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        JSON.writeValue(file.toFile(), this);
    }

    static FaultReport read(Path file) throws IOException {
        return JSON.readValue(file.toFile(), FaultReport.class);
    }
}

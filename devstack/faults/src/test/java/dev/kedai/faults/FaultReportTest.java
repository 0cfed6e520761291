package dev.kedai.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FaultReportTest {

    @TempDir
    Path dir;

    private static FaultReport report(FaultReport.Row... rows) {
        return new FaultReport("2026-12-03T10:00:00Z", "abc", 20, 150, 10, List.of(rows), 19.8, 0, 600);
    }

    private static FaultReport.Row row(String name, boolean run, Double recovered, Violation... violations) {
        return new FaultReport.Row(name, name + " title", "proves", run, 300, 25.0, 12, Map.of("order 503", 12L), recovered,
                new ArrayList<>(List.of(violations)));
    }

    @Test
    void theTableHasOneLinePerRowWithItsNumbersAndViolationsByInvariant() {
        FaultReport report = report(row("kill-stock", true, 4.25),
                row("pause-redis", true, null, new Violation("dead-letters", "t 1", "1 event(s) in t"),
                        new Violation("dead-letters", "u 2", "2 event(s) in u"), new Violation("no-500", "x", "500")));

        assertThat(report.table().lines()).hasSize(4);
        assertThat(report.table()).contains("| kill-stock title", "|      300 (12.0) |               12 |        4.3 s | 0 |")
                .contains("|           NO | 3: dead-letters 2, no-500 1 |");
        assertThat(report.details(1)).contains("pause-redis:\n  - dead-letters: 1 event(s) in t\n  - ... 2 more");
        assertThat(report.passed()).isFalse();
    }

    /**
     * A fault the budget left out fails the run through its "not-run" violation
     * ({@link FaultRun#notRun}); one beyond issue 12's list left out after 20 ran has none, and the
     * run passes with it shown as not run.
     */
    @Test
    void aFaultNotRunFailsTheRunOnlyThroughItsViolation() {
        assertThat(report(row("kill-stock", true, 1.0)).passed()).isTrue();
        assertThat(report(row("kill-stock", true, 1.0), row("kill-edge", false, null,
                new Violation("not-run", "kill-edge", "the time budget ran out before kill-edge"))).passed()).isFalse();
        FaultReport leftOut = report(row("kill-stock", true, 1.0), row("restart-edge", false, null));
        assertThat(leftOut.passed()).isTrue();
        assertThat(leftOut.table()).contains("not run");
    }

    @Test
    void theJsonReadsBackAsWritten() throws Exception {
        FaultReport report = report(row("kill-stock", true, 4.2, new Violation("no-500", "x", "pay answered 500")));
        Path file = dir.resolve("faults.json");

        report.write(file);

        assertThat(FaultReport.read(file)).isEqualTo(report);
    }
}

package dev.kedai.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Which faults a run with a time budget may leave out (issue 12: at least 20 faults, its list among them). */
class FaultBudgetTest {

    @Test
    void issue12sListRunsFirstAndTheFaultsBeyondItLast() {
        List<Fault> all = Fault.all();
        assertThat(all).hasSizeGreaterThanOrEqualTo(FaultRun.AT_LEAST);
        assertThat(all.stream().takeWhile(Fault::listed).map(Fault::name)).containsExactlyInAnyOrder(
                "kill-cartorder", "kill-stock", "kill-auth", "kill-user", "kill-product",
                "kill-mariadb", "pause-mariadb", "stop-kafka", "kill-kafka", "kill-redis", "pause-redis",
                "kill-edge", "slow-stock", "slow-cartorder");
        assertThat(all.stream().dropWhile(Fault::listed)).noneMatch(Fault::listed);
    }

    @Test
    void aFaultBeyondTheListMayBeLeftOutOnceEnoughRan() {
        Fault beyond = byName("restart-edge");
        assertThat(FaultRun.notRun(beyond, 20, 20)).isEmpty();
        assertThat(FaultRun.notRun(beyond, 19, 20)).extracting(Violation::invariant).containsExactly("not-run");
    }

    @Test
    void oneOfTheListLeftOutFailsTheRunWhateverElseRan() {
        assertThat(FaultRun.notRun(byName("slow-cartorder"), 21, 20)).extracting(Violation::invariant)
                .containsExactly("not-run");
    }

    private static Fault byName(String name) {
        return Fault.all().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
    }
}

package dev.kedai.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpIsTheUsageFileTheScriptPrintsToo() {
        Run help = run("--help");

        assertThat(help.code()).isZero();
        assertThat(help.out()).isEqualTo(Main.USAGE).startsWith("usage: ./kedai faults");
    }

    @Test
    void listNamesAtLeastTwentyFaultsEachWithWhatItProves() {
        Run list = run("--list");

        assertThat(list.code()).isZero();
        assertThat(list.out().lines().filter(l -> l.contains("proves:"))).hasSizeGreaterThanOrEqualTo(20);
        assertThat(list.out()).contains("kill-cartorder", "pause-mariadb", "stop-kafka", "kill-kafka", "kill-redis",
                "pause-redis", "kill-edge", "slow-stock", "slow-cartorder");
    }

    @Test
    void issue11sLongOutagesAreListedButOnlyRunWhenNamed() {
        Run list = run("--list");

        String[] outages = {"stop-mariadb-60s", "stop-kafka-90s", "stop-kafka-30s", "pause-redis-30s"};
        assertThat(list.out()).contains(outages);
        assertThat(Fault.all()).extracting(Fault::name).doesNotContain(outages);
    }

    @Test
    void anUnknownFaultIsAUsageErrorBeforeAnythingStarts() {
        Run bad = run("--faults", "kill-everything");

        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("unknown fault kill-everything");
    }
}

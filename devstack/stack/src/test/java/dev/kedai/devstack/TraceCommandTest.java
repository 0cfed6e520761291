package dev.kedai.devstack;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import dev.kedai.infra.otlp.OtlpReceiver;
import dev.kedai.infra.otlp.ReceivedSpan;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ./kedai trace} against a real receiver holding a two-span trace. */
class TraceCommandTest {

    private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";

    private record Run(int code, String out, String err) {
    }

    private static Run trace(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] all = new String[args.length + 1];
        all[0] = "trace";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = Main.run(all, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void printsTheWaterfallByTraceOrRequestIdAndTheSlowest() {
        try (OtlpReceiver receiver = OtlpReceiver.start(0, 10)) {
            long t0 = 1_700_000_000_000_000_000L;
            receiver.store().add(List.of(
                    new ReceivedSpan("edge", TRACE, "b7ad6b7169203331", "", "POST /order", "SERVER", t0, t0 + 40_000_000,
                            Map.of("http.request.header.x-request-id", "req-9"), false, List.of(), ""),
                    new ReceivedSpan("cartorder", TRACE, "00f067aa0ba902b7", "b7ad6b7169203331", "POST /order", "SERVER",
                            t0 + 1_000_000, t0 + 39_000_000, Map.of(), false, List.of(), ""),
                    new ReceivedSpan("stock", TRACE, "00f067aa0ba902b8", "00f067aa0ba902b7", "kedai.stock.v1.StockService/Reserve",
                            "SERVER", t0 + 10_000_000, t0 + 30_000_000, Map.of(), true, List.of(), "")));
            String port = String.valueOf(receiver.port());

            Run byTrace = trace("--trace-port", port, TRACE);
            assertThat(byTrace.code()).isZero();
            List<String> lines = byTrace.out().lines().toList();
            assertThat(lines.get(0)).isEqualTo("trace " + TRACE + ", 3 spans, 40.0 ms");
            assertThat(lines.get(1)).startsWith("edge").contains("POST /order").contains("40.0 ms");
            assertThat(lines.get(2)).startsWith("cartorder").contains("  POST /order").contains("38.0 ms");
            assertThat(lines.get(3)).startsWith("stock").contains("    kedai.stock.v1.StockService/Reserve !")
                    .contains("20.0 ms").contains("|" + " ".repeat(10) + "#".repeat(20) + " ".repeat(10) + "|");

            assertThat(trace("--trace-port", port, "req-9").out()).isEqualTo(byTrace.out());

            Run slowest = trace("--trace-port", port, "--slowest", "5");
            assertThat(slowest.code()).isZero();
            assertThat(slowest.out()).contains(TRACE).contains("40.0 ms").contains("edge POST /order (error)");

            Run unknown = trace("--trace-port", port, "nope");
            assertThat(unknown.code()).isEqualTo(1);
            assertThat(unknown.err()).contains("no trace nope");
        }
    }

    @Test
    void saysWhenNoStackReceivesTraces() {
        int free = Ports.pickFree(1).get(0);
        Run run = trace("--trace-port", String.valueOf(free), "--slowest");
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err()).contains("no trace receiver on port " + free).contains("./kedai up");
    }

    @Test
    void refusesAMissingId() {
        assertThat(trace("--slowest", "x", "y").code()).isEqualTo(2);
        assertThat(trace().code()).isEqualTo(2);
    }
}

package dev.kedai.bench;

import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code java -jar bench/target/kedai-bench.jar <scenario> [--rate R] [--duration D] …}: runs one
 * scenario open-loop against a loopback target, prints a summary and writes the JSON result.
 */
@Command(name = "kedai-bench", sortOptions = false,
        description = "Open-loop load generator: sends at a constant rate and measures latency from each "
                + "request's intended send time. Targets loopback only.",
        footer = {"", "Durations: 30s, 500ms, 2m, 1.5s (a bare number is seconds).",
                "Exit status: 0 run finished, 1 run failed, 2 bad arguments."})
public final class Main implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SCENARIO", description = "Scenario to run: ${sys:kedai.bench.scenarios}, "
            + "or journey (the checkout journey, CheckoutJourney: --rate is journeys/s, --target the edge)")
    private String scenarioName;

    @Option(names = "--rate", paramLabel = "REQ_PER_S", defaultValue = "1000",
            description = "Offered load in requests per second (default: ${DEFAULT-VALUE}).")
    private double rate;

    @Option(names = "--duration", paramLabel = "D", defaultValue = "30s", converter = DurationConverter.class,
            description = "Length of the measured phase (default: ${DEFAULT-VALUE}).")
    private Duration duration;

    @Option(names = "--warmup", paramLabel = "D", defaultValue = "5s", converter = DurationConverter.class,
            description = "Warm-up at the same rate before measuring, not recorded (default: ${DEFAULT-VALUE}).")
    private Duration warmup;

    @Option(names = "--target", paramLabel = "URL",
            description = "Base URL, loopback only (default: the scenario's, e.g. http://127.0.0.1:8002).")
    private String target;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "256",
            description = "Most requests in flight; a slot that finds N in flight is dropped (default: ${DEFAULT-VALUE}).")
    private int concurrency;

    @Option(names = "--timeout", paramLabel = "D", defaultValue = "5s", converter = DurationConverter.class,
            description = "Per-request timeout, also the connect timeout (default: ${DEFAULT-VALUE}).")
    private Duration timeout;

    @Option(names = "--users", paramLabel = "N", defaultValue = "50",
            description = "journey: customers, each registered and logged in once (default: ${DEFAULT-VALUE}).")
    private int users;

    @Option(names = "--lag-db", paramLabel = "JDBC_URL",
            description = "journey: read OrderPaid -> stock committed from this MariaDB 5 s after the run.")
    private String lagDb;

    @Option(names = "--lag-passwords", paramLabel = "FILE",
            description = "journey: the devstack's dev-passwords.properties, for --lag-db.")
    private String lagPasswords;

    @Option(names = "--results-dir", paramLabel = "DIR",
            description = "Where the JSON result and its PNG go (default: bench/results next to the jar's target/).")
    private Path resultsDir;

    @Option(names = "--no-write", description = "Print the summary only, write no JSON or PNG file.")
    private boolean noWrite;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit status (for tests and {@link #main}). */
    public static int run(String... args) {
        System.setProperty("kedai.bench.scenarios", String.join(", ", Scenarios.names()));
        return new CommandLine(new Main()).execute(args);
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (scenarioName.equals("journey")) {
            return journey(err);
        }
        Scenario scenario = Scenarios.create(scenarioName).orElseThrow(() -> new CommandLine.ParameterException(
                spec.commandLine(), "unknown scenario '" + scenarioName + "'; known: " + Scenarios.names()));
        BenchSettings settings;
        try {
            URI base = target == null ? scenario.defaultTarget() : new URI(target);
            settings = new BenchSettings(base, rate, warmup, duration, concurrency, timeout);
        } catch (IllegalArgumentException | URISyntaxException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }

        out.printf("%s: %.0f req/s to %s, warm-up %s, measured %s, concurrency %d%n", scenario.name(),
                settings.rate(), settings.target(), text(warmup), text(duration), concurrency);
        out.flush();
        Instant startedAt = Instant.now();
        BenchResult result;
        try {
            result = new OpenLoopGenerator(settings).run(scenario);
        } catch (Exception e) {
            err.println("run failed: " + e);
            return 1;
        }
        BenchReport report = new BenchReport(scenario.name(), startedAt.toString(),
                BenchReport.Parameters.of(settings), RunEnvironment.detect(), result);
        out.print(report.toText());
        if (!noWrite) {
            Path file = ResultFile.write(report, resultsDir == null ? defaultResultsDir() : resultsDir);
            out.println("written  " + file);
            Path png = BenchPlots.latencyPercentiles(scenario.name() + " at " + Math.round(settings.rate())
                    + " req/s", Histogram.decodeFromCompressedByteBuffer(
                    ByteBuffer.wrap(Base64.getDecoder().decode(result.latencyHistogram())), 0), BenchPlots.pngNextTo(file));
            out.println("plotted  " + png);
        }
        out.flush();
        return 0;
    }

    /** The checkout journey: every request through {@code --target} (the edge), which routes each to its service. */
    private int journey(PrintWriter err) {
        String edge;
        try {
            edge = LoopbackTarget.require(new URI(target == null ? "http://127.0.0.1:8080" : target)).toString();
        } catch (IllegalArgumentException | URISyntaxException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        // the scenarios' 1000 req/s would be 1000 purchases/s: a journey's own default is 10
        double journeys = spec.commandLine().getParseResult().hasMatchedOption("--rate") ? rate : 10;
        Map<String, String> settings = new HashMap<>(Map.of("auth", edge, "stock", edge, "cartorder", edge,
                "rate", String.valueOf(journeys), "duration", text(duration), "users", String.valueOf(users)));
        if (!noWrite) {
            settings.put("results-dir", (resultsDir == null ? defaultResultsDir() : resultsDir).toString());
        }
        if (lagDb != null) {
            settings.put("lag-db", lagDb);
            settings.put("lag-passwords", lagPasswords);
        }
        try {
            CheckoutJourney.run(settings);
            return 0;
        } catch (Exception e) {
            err.println("run failed: " + e);
            return 1;
        }
    }

    // bench/target/kedai-bench.jar -> bench/results, wherever the command was started from
    private static Path defaultResultsDir() {
        try {
            Path code = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path targetDir = code.getParent();
            if (Files.isRegularFile(code) && targetDir != null && targetDir.getFileName().toString().equals("target")
                    && targetDir.getParent() != null) {
                return targetDir.getParent().resolve("results");
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall through to the path relative to the working directory
        }
        return Path.of("bench", "results");
    }

    private static String text(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    /** picocli adapter for {@link DurationText}. */
    public static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return DurationText.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}

package dev.kedai.faults;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.kedai.devstack.Progress;
import dev.kedai.devstack.StackConfig;
import dev.kedai.infra.Usage;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./kedai faults}: starts a stack of its own on free loopback ports, runs the checkout
 * journey at a steady rate, injects the faults one after another and checks the invariants after
 * each (docs/reliability.md). Prints the table, writes the JSON.
 */
@Command(name = "kedai faults")
public final class Main implements Callable<Integer> {

    @Option(names = "--rate", paramLabel = "JOURNEYS_PER_S", defaultValue = "20")
    private double rate;

    @Option(names = "--customers", paramLabel = "N", defaultValue = "150")
    private int customers;

    @Option(names = "--faults", paramLabel = "NAMES", split = ",")
    private List<String> only;

    @Option(names = "--list")
    private boolean list;

    @Option(names = "--warmup", paramLabel = "D", defaultValue = "20s", converter = dev.kedai.bench.Main.DurationConverter.class)
    private Duration warmup;

    @Option(names = "--quiet-window", paramLabel = "D", defaultValue = "10s", converter = dev.kedai.bench.Main.DurationConverter.class)
    private Duration quiet;

    @Option(names = "--recovery-timeout", paramLabel = "D", defaultValue = "90s", converter = dev.kedai.bench.Main.DurationConverter.class)
    private Duration recoveryTimeout;

    @Option(names = "--budget", paramLabel = "D", converter = dev.kedai.bench.Main.DurationConverter.class)
    private Duration budget;

    @Option(names = "--ci")
    private boolean ci;

    @Option(names = "--replicas", paramLabel = "N", defaultValue = "1")
    private int replicas;

    @Option(names = "--json", paramLabel = "FILE")
    private Path json;

    @Option(names = "--data-dir", paramLabel = "DIR")
    private Path dataDir;

    @Option(names = "--root", paramLabel = "DIR")
    private Path root;

    @Option(names = {"-h", "--help"})
    private boolean help;

    /** The options, from {@code usage.txt} beside this class (the {@code kedai} script prints the same file). */
    static final String USAGE = Usage.text(Main.class, "usage.txt");

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** The admin client logs every refused connection while the broker is down on purpose. */
    private static final java.util.logging.Logger KAFKA_LOGS = java.util.logging.Logger.getLogger("org.apache.kafka");

    public static void main(String[] args) {
        KAFKA_LOGS.setLevel(java.util.logging.Level.SEVERE);
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (help) {
            out.print(USAGE);
            out.flush();
            return 0;
        }
        List<Fault> all = Fault.all();
        if (list) {
            java.util.function.Consumer<Fault> line = f -> out.printf("%-20s %s%n%20s   proves: %s%n", f.name(), f.title(), "", f.proves());
            all.forEach(line);
            out.println("\nissue 11's longer outages, run only when named in --faults:");
            Fault.backbone().forEach(line);
            return 0;
        }
        List<Fault> faults = select(all);
        Path checkout = Optional.ofNullable(root).map(Path::toAbsolutePath)
                .or(() -> StackConfig.findRepoRoot(Path.of("")))
                .orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
                        "not inside a Kedai checkout: give --root"));
        Path dir = Optional.ofNullable(dataDir).orElse(checkout.resolve("target/faults/stack")).toAbsolutePath();
        delete(dir);
        // CI kills the run at 12 minutes (.ci/run); a budget of 11 leaves the report time to be written
        Optional<Duration> bound = Optional.ofNullable(budget).or(() -> ci ? Optional.of(Duration.ofMinutes(11)) : Optional.empty());
        if (replicas < 1 || replicas > 9) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--replicas wants 1 to 9, not " + replicas);
        }
        FaultSettings settings = new FaultSettings(checkout, dir, rate, customers, warmup, quiet, recoveryTimeout,
                bound, faults, replicas);
        Progress progress = new Progress(System.out);
        progress.step("fault-injection suite: " + faults.size() + " faults at " + rate + " journeys/s"
                + (replicas > 1 ? ", " + replicas + " instances of each service" : "")
                + bound.map(b -> ", budget " + b.toMinutes() + " min").orElse("") + "; stack state in " + dir);
        FaultReport report;
        try {
            report = new FaultRun(settings, progress).run();
        } catch (IllegalStateException | java.io.UncheckedIOException e) {
            System.err.println("kedai faults: the run could not go on: " + e.getMessage());
            return 3;
        }
        Path file = Optional.ofNullable(json).orElseGet(() -> checkout.resolve("target/faults/faults-"
                + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(java.time.Instant.now())
                + ".json"));
        report.write(file);
        out.println();
        out.print(report.table());
        out.println();
        out.printf("%.1f journeys/s offered and served on average, %d arrivals without an idle customer; %.0f s in all%n",
                report.journeysPerSecond(), report.unserved(), report.elapsedSeconds());
        String details = report.details(5);
        if (!details.isEmpty()) {
            out.println();
            out.println("violations (first 5 per row):");
            out.print(details);
        }
        out.println();
        out.println((report.passed() ? "PASSED" : "FAILED: " + report.violationCount() + " violation(s)") + "; JSON: " + file);
        out.flush();
        return report.passed() ? 0 : 1;
    }

    private List<Fault> select(List<Fault> all) {
        if (only == null || only.isEmpty()) {
            return all;
        }
        Map<String, Fault> byName = Stream.concat(all.stream(), Fault.backbone().stream())
                .collect(Collectors.toMap(Fault::name, Function.identity()));
        List<Fault> chosen = new ArrayList<>();
        for (String name : only) {
            Fault fault = byName.get(name.strip());
            if (fault == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "unknown fault " + name + " (--list names them)");
            }
            chosen.add(fault);
        }
        return chosen;
    }

    private static void delete(Path dir) throws java.io.IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}

package dev.kedai.devstack;

import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The Kedai devstack launcher: {@code up [options]} starts MariaDB, Redis, Kafka and the five
 * services in one command; {@code down} stops a running one. See {@link StackConfig#USAGE}.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command; returns the exit code (2 for usage errors and taken ports). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.print(StackConfig.USAGE);
            return args.length == 0 ? 2 : 0;
        }
        String command = args[0];
        List<String> options = Arrays.asList(args).subList(1, args.length);
        try {
            if (command.equals("trace")) {
                return new TraceCommand(options, out, err).run();
            }
            if (command.equals("search")) {
                return new SearchCommand(options, err).run();
            }
            StackConfig config = StackConfig.parse(options, defaultRoot());
            if (config.help()) {
                out.print(StackConfig.USAGE);
                return 0;
            }
            return switch (command) {
                case "up" -> new UpCommand(config, out, err).run();
                case "down" -> new DownCommand(config, out).run();
                default -> throw new UsageException("unknown command " + command + " (up, down, trace, search)");
            };
        } catch (UsageException e) {
            err.println("kedai-devstack: " + e.getMessage() + " (see --help)");
            return 2;
        } catch (StackException e) {
            err.println(e.getMessage());
            if (!e.details().isEmpty()) {
                err.println(e.details());
            }
            return e.exitCode();
        }
    }

    /** The checkout: up from the working directory, else up from this jar (devstack/stack/target/). */
    static Path defaultRoot() {
        Path cwd = Path.of("").toAbsolutePath();
        return StackConfig.findRepoRoot(cwd).or(Main::rootOfJar).orElse(cwd);
    }

    private static Optional<Path> rootOfJar() {
        try {
            Path location = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return StackConfig.findRepoRoot(location);
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }
}

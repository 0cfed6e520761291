package dev.kedai.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * Runs the infrastructure as a process of its own: {@code java -jar kedai-infra.jar --state-file F}.
 * Once every server is ready it writes their endpoints to F (atomically, so a reader never sees a
 * half-written file), then runs until SIGTERM/Ctrl-C or until its standard input closes (so it
 * dies with a parent that holds its stdin), and stops cleanly. {@code ./kedai test} uses it to
 * start the servers once per test run.
 */
public final class InfraMain {

    /** The options, from {@code usage.txt} beside this class (the {@code kedai} script prints the same file). */
    private static final String USAGE = Usage.text(InfraMain.class, "usage.txt");

    private InfraMain() {
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(List.of(args));
        } catch (IllegalArgumentException e) {
            System.err.println("kedai infra: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        if (options.help) {
            System.out.print(USAGE);
            return;
        }
        Deque<Runnable> cleanups = new ConcurrentLinkedDeque<>();
        CountDownLatch stopped = new CountDownLatch(1);
        // Stops on SIGTERM, Ctrl-C and System.exit alike.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            while (!cleanups.isEmpty()) {
                try {
                    cleanups.pop().run();
                } catch (RuntimeException e) {
                    System.err.println("kedai infra: while stopping: " + e.getMessage());
                }
            }
            stopped.countDown();
        }, "kedai-infra-stop"));
        try {
            Path dataDir = options.dataDir.orElseGet(() -> {
                Path temp = createTempDir();
                cleanups.push(() -> deleteQuietly(temp));
                return temp;
            });
            InfraSettings settings = options.settings(dataDir);
            long t0 = System.nanoTime();
            Infra infra = Infra.start(settings, line -> System.out.println("[kedai infra] " + line));
            cleanups.push(() -> {
                System.out.println("[kedai infra] stopping");
                infra.close();
            });
            System.out.printf("[kedai infra] ready in %.1f s: %s%n", (System.nanoTime() - t0) / 1e9, infra.endpoints());
            options.stateFile.ifPresent(file -> {
                cleanups.push(() -> deleteQuietly(file));
                writeAtomically(file, infra.endpoints());
            });
        } catch (RuntimeException e) {
            // One line for the user (e.g. a taken port), not a stack trace.
            System.err.println("kedai infra: " + e.getMessage());
            System.exit(1);
        }
        if (!options.ignoreStdin) {
            Thread watcher = new Thread(() -> {
                awaitEndOfInput(System.in);
                System.out.println("[kedai infra] standard input closed");
                System.exit(0);
            }, "kedai-infra-stdin");
            watcher.setDaemon(true);
            watcher.start();
        }
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitEndOfInput(InputStream in) {
        byte[] buffer = new byte[256];
        try {
            while (in.read(buffer) >= 0) {
                // input is ignored; only its end matters
            }
        } catch (IOException e) {
            // a broken stdin counts as closed
        }
    }

    private static void writeAtomically(Path file, InfraEndpoints endpoints) {
        try {
            Path absolute = file.toAbsolutePath();
            Files.createDirectories(absolute.getParent());
            Path temp = Files.createTempFile(absolute.getParent(), absolute.getFileName().toString(), ".tmp");
            try (Writer writer = Files.newBufferedWriter(temp)) {
                endpoints.toProperties().store(writer, "Kedai infrastructure endpoints (kedai-infra InfraMain)");
            }
            Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static Path createTempDir() {
        try {
            return Files.createTempDirectory("kedai-infra");
        } catch (IOException e) {
            throw new UncheckedIOException("no temporary directory", e);
        }
    }

    private static void deleteQuietly(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // leftovers in a temp directory are harmless
        }
    }

    /** Command-line options; every server is embedded on a free port unless told otherwise. */
    private static final class Options {
        Optional<Path> stateFile = Optional.empty();
        Optional<Path> dataDir = Optional.empty();
        int mariadbPort;
        int redisPort;
        int kafkaPort;
        int kafkaControllerPort;
        String db;
        String dbAdminUser;
        String dbAdminPassword;
        String redisUrl;
        String kafkaBootstrap;
        boolean ignoreStdin;
        boolean help;

        static Options parse(List<String> args) {
            Options o = new Options();
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
                boolean hasValue = switch (name) {
                    case "--help", "-h", "--devstack-ports", "--ignore-stdin" -> false;
                    default -> true;
                };
                String value = null;
                if (hasValue) {
                    if (arg.contains("=")) {
                        value = arg.substring(arg.indexOf('=') + 1);
                    } else if (i + 1 < args.size()) {
                        value = args.get(++i);
                    } else {
                        throw new IllegalArgumentException(name + " needs a value");
                    }
                }
                switch (name) {
                    case "--help", "-h" -> o.help = true;
                    case "--devstack-ports" -> {
                        o.mariadbPort = InfraSettings.DEFAULT_MARIADB_PORT;
                        o.redisPort = InfraSettings.DEFAULT_REDIS_PORT;
                        o.kafkaPort = InfraSettings.DEFAULT_KAFKA_PORT;
                        o.kafkaControllerPort = InfraSettings.DEFAULT_KAFKA_CONTROLLER_PORT;
                    }
                    case "--ignore-stdin" -> o.ignoreStdin = true;
                    case "--state-file" -> o.stateFile = Optional.of(Path.of(value));
                    case "--data-dir" -> o.dataDir = Optional.of(Path.of(value));
                    case "--mariadb-port" -> o.mariadbPort = port(name, value);
                    case "--redis-port" -> o.redisPort = port(name, value);
                    case "--kafka-port" -> o.kafkaPort = port(name, value);
                    case "--kafka-controller-port" -> o.kafkaControllerPort = port(name, value);
                    case "--db" -> o.db = value;
                    case "--db-admin-user" -> o.dbAdminUser = value;
                    case "--db-admin-password" -> o.dbAdminPassword = value;
                    case "--redis-url" -> o.redisUrl = value;
                    case "--kafka-bootstrap" -> o.kafkaBootstrap = value;
                    default -> throw new IllegalArgumentException("unknown option " + arg);
                }
            }
            if (o.db != null && (o.dbAdminUser == null || o.dbAdminPassword == null)) {
                throw new IllegalArgumentException("--db needs --db-admin-user and --db-admin-password");
            }
            return o;
        }

        private static int port(String name, String value) {
            try {
                int port = Integer.parseInt(value);
                if (port < 0 || port > 65535) {
                    throw new NumberFormatException();
                }
                return port;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " needs a port number (0-65535): " + value);
            }
        }

        InfraSettings settings(Path dataDir) {
            InfraSettings settings = new InfraSettings(dataDir, mariadbPort, redisPort, kafkaPort, kafkaControllerPort,
                    Optional.empty());
            if (db != null) {
                int colon = db.lastIndexOf(':');
                if (colon < 0) {
                    throw new IllegalArgumentException("--db needs HOST:PORT: " + db);
                }
                settings = settings.withExternalDb(db.substring(0, colon), port("--db", db.substring(colon + 1)),
                        dbAdminUser, dbAdminPassword);
            }
            if (redisUrl != null) {
                settings = settings.withExternalRedis(redisUrl);
            }
            if (kafkaBootstrap != null) {
                settings = settings.withExternalKafka(kafkaBootstrap);
            }
            return settings;
        }
    }
}

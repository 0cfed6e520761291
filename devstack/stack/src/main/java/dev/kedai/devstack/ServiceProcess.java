package dev.kedai.devstack;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import dev.kedai.infra.ProcessSpawner;

/**
 * One service running in its own JVM. Its output is copied to its log file by a reader thread,
 * which also keeps the last lines (shown when it fails) and passes error lines to the console.
 */
public final class ServiceProcess {
    private static final int TAIL_LINES = 40;
    /** Logs of earlier instances kept per service (a long fault run restarts a service a few times; `up` once per start). */
    static final int LOGS_KEPT = 50;
    /** JUL's SEVERE, slf4j/log4j's ERROR, and uncaught exceptions. */
    private static final Pattern ERROR_LINE = Pattern.compile("\\b(SEVERE|ERROR|FATAL)\\b|^Exception in thread");

    private final ServiceLaunch launch;
    private final Process process;
    private final Thread pump;
    private final Deque<String> tail = new ArrayDeque<>();

    private ServiceProcess(ServiceLaunch launch, Process process, Consumer<String> errors) {
        this.launch = launch;
        this.process = process;
        this.pump = Thread.ofPlatform().daemon().name("log-" + launch.name())
                .start(() -> copyOutput(errors));
    }

    /**
     * Starts the JVM. The logs of the earlier instances are kept, numbered in the order they ran
     * ({@code <svc>.log.1} the first, {@code <svc>.log} the running one), so a crash's log survives
     * any number of restarts; beyond {@link #LOGS_KEPT} the oldest go.
     *
     * @param errors receives "[svc] line" for each error line of its output
     */
    public static ServiceProcess start(ServiceLaunch launch, Path java, Consumer<String> errors) {
        try {
            Path log = launch.logFile();
            Files.createDirectories(log.getParent());
            keepPrevious(log);
            // bound to this JVM's life: no service survives the launcher, even one killed with SIGKILL
            Process process = ProcessSpawner.start(new ProcessBuilder(launch.command(java))
                    .directory(launch.workDir().toFile())
                    .redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())));
            return new ServiceProcess(launch, process, errors);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + launch.name(), e);
        }
    }

    /** Moves {@code log} to the next free number and deletes the oldest numbered logs beyond {@link #LOGS_KEPT}. */
    static void keepPrevious(Path log) throws IOException {
        if (!Files.exists(log)) {
            return;
        }
        String prefix = log.getFileName() + ".";
        List<Integer> numbers;
        try (var siblings = Files.list(log.getParent())) {
            numbers = siblings.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(prefix) && n.substring(prefix.length()).matches("[0-9]{1,9}"))
                    .map(n -> Integer.parseInt(n.substring(prefix.length())))
                    .sorted().toList();
        }
        int next = numbers.isEmpty() ? 1 : numbers.getLast() + 1;
        Files.move(log, log.resolveSibling(prefix + next), StandardCopyOption.REPLACE_EXISTING);
        for (int i = 0; i < numbers.size() + 1 - LOGS_KEPT; i++) {
            Files.deleteIfExists(log.resolveSibling(prefix + numbers.get(i)));
        }
    }

    public KedaiService service() {
        return launch.service();
    }

    public ServiceLaunch launch() {
        return launch;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public CompletableFuture<ServiceProcess> onExit() {
        return process.onExit().thenApply(p -> this);
    }

    /** Exit code, or -1 while running. */
    public int exitCode() {
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** The last lines of its output (all of it once the process has exited). */
    public List<String> logTail() {
        if (!process.isAlive()) {
            try {
                pump.join(Duration.ofSeconds(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (tail) {
            return List.copyOf(tail);
        }
    }

    /** Asks it to stop (SIGTERM), so Helidon's shutdown hooks run; does not wait. */
    public void terminate() {
        // through the handle: Process.destroy() also closes our end of its output pipe at once,
        // which would lose what the service logs while it shuts down
        process.toHandle().destroy();
    }

    /**
     * Waits for it to exit; if it is still there after {@code grace}, kills it and everything it
     * started. Returns true if it stopped by itself.
     */
    public boolean awaitExit(Duration grace) {
        // descendants are only reachable while the parent lives: take them first
        List<ProcessHandle> descendants = process.descendants().toList();
        boolean clean = waitFor(grace);
        if (!clean) {
            descendants = java.util.stream.Stream.concat(descendants.stream(), process.descendants())
                    .distinct().toList();
            process.toHandle().destroyForcibly();
            waitFor(Duration.ofSeconds(5));
        }
        for (ProcessHandle child : descendants) {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
        return clean;
    }

    /** SIGKILL, as a crash would: no shutdown hook runs. Waits until it is gone. */
    public void kill() {
        process.toHandle().destroyForcibly();
        waitFor(Duration.ofSeconds(30));
    }

    /** Stops it: SIGTERM, then the kill after {@code grace}. */
    public boolean stop(Duration grace) {
        terminate();
        return awaitExit(grace);
    }

    private boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    private void copyOutput(Consumer<String> errors) {
        String prefix = "[" + launch.name() + "] ";
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             BufferedWriter log = Files.newBufferedWriter(launch.logFile(), StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                log.write(line);
                log.newLine();
                log.flush();
                synchronized (tail) {
                    if (tail.size() == TAIL_LINES) {
                        tail.removeFirst();
                    }
                    tail.addLast(line);
                }
                if (ERROR_LINE.matcher(line).find()) {
                    errors.accept(prefix + line);
                }
            }
        } catch (IOException e) {
            if (process.isAlive()) { // after exit the JDK may swap the pipe under the reader
                errors.accept(prefix + "log copy failed: " + e.getMessage());
            }
        }
    }

    @Override
    public String toString() {
        return launch.name() + " (pid " + pid() + ")";
    }
}

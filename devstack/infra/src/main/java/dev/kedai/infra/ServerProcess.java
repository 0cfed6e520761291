package dev.kedai.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One server (MariaDB, Redis, the Kafka broker; the fault suite's dev edge) as a child process of
 * its own, which can be stopped gracefully, killed, paused and started again on the same port and
 * data while everything else runs — what the fault-injection suite does to it. Started through
 * {@link ProcessSpawner}, so it never outlives this JVM. Its output goes to its log file.
 */
public final class ServerProcess implements AutoCloseable {

    /** How long a server may take to stop after SIGTERM before it is killed. */
    static final Duration STOP_GRACE = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(100);

    /** Says whether the server answers; called repeatedly until it does, so it must be quick. */
    @FunctionalInterface
    public interface ReadyCheck {
        boolean ready();
    }

    private final String name;
    private final int port;
    private final List<String> command;
    private final Map<String, String> environment;
    private final Path workDir;
    private final Path logFile;
    private final ReadyCheck readyCheck;
    private final Duration readyTimeout;
    private final Runnable beforeStart;
    private Process process;
    private boolean paused;

    /**
     * @param name         what to call it in messages ({@code MariaDB})
     * @param port         the port it listens on (the same at every start)
     * @param command      the command line
     * @param environment  added to this JVM's environment
     * @param workDir      its working directory
     * @param logFile      its stdout and stderr (appended: a restart keeps the earlier output)
     * @param readyCheck   answers once it serves
     * @param readyTimeout how long a start may take
     * @param beforeStart  runs before each start (e.g. removes a stale ready marker)
     */
    public ServerProcess(String name, int port, List<String> command, Map<String, String> environment, Path workDir,
                  Path logFile, ReadyCheck readyCheck, Duration readyTimeout, Runnable beforeStart) {
        this.name = name;
        this.port = port;
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
        this.workDir = workDir;
        this.logFile = logFile;
        this.readyCheck = readyCheck;
        this.readyTimeout = readyTimeout;
        this.beforeStart = beforeStart;
    }

    /** A ready check for servers that answer as soon as they accept connections on 127.0.0.1. */
    public static boolean accepts(int port) {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public Path logFile() {
        return logFile;
    }

    /** The running process's pid, if one runs (paused counts as running). */
    public synchronized Optional<Long> pid() {
        return process != null && process.isAlive() ? Optional.of(process.pid()) : Optional.empty();
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /**
     * Starts it and returns once it answers; a no-op while it runs.
     *
     * @throws IllegalStateException when it exits or does not answer within the ready timeout
     *                               (it is killed then)
     */
    public synchronized ServerProcess start() {
        if (isAlive()) {
            return this;
        }
        try {
            Files.createDirectories(logFile.getParent());
            Files.writeString(logFile, "---- " + java.time.Instant.now() + " starting " + name + "\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + logFile, e);
        }
        beforeStart.run();
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        builder.environment().putAll(environment);
        process = ProcessSpawner.start(builder);
        paused = false;
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        while (!readyCheck.ready()) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with code " + process.exitValue()
                        + " while starting on port " + port + " (log: " + logFile + ")" + tail());
            }
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                waitFor(Duration.ofSeconds(10));
                throw new IllegalStateException(name + " did not answer on port " + port + " within "
                        + readyTimeout.toSeconds() + " s (log: " + logFile + ")" + tail());
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
        return this;
    }

    /** SIGTERM (its own clean shutdown), then SIGKILL if it is still there after 30 s. Idempotent. */
    public synchronized void stop() {
        if (!isAlive()) {
            return;
        }
        if (paused) {
            resume(); // a stopped process cannot act on SIGTERM
        }
        process.destroy();
        if (!waitFor(STOP_GRACE)) {
            kill();
        }
    }

    /** SIGKILL, then waits until it is gone (the port and data files are free again). */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        if (!waitFor(Duration.ofSeconds(30))) {
            throw new IllegalStateException(name + " (pid " + process.pid() + ") survived SIGKILL for 30 s");
        }
    }

    /** SIGSTOP: it keeps its sockets but answers nothing until {@link #resume()}. */
    public synchronized void pause() {
        signal("STOP");
        paused = true;
    }

    /** SIGCONT after {@link #pause()}. */
    public synchronized void resume() {
        signal("CONT");
        paused = false;
    }

    /** {@link #stop()}, so that closing the infrastructure never leaves a server behind. */
    @Override
    public void close() {
        stop();
    }

    private void signal(String signal) {
        long pid = pid().orElseThrow(() -> new IllegalStateException(name + " is not running"));
        Signals.send(pid, signal);
    }

    private boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(logFile);
            return "\n  | " + String.join("\n  | ", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
    }

    @Override
    public synchronized String toString() {
        return name + " on port " + port + pid().map(p -> " (pid " + p + ")").orElse(" (not running)");
    }
}

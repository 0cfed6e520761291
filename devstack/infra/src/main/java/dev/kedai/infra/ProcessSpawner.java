package dev.kedai.infra;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Starts the stack's child processes (servers, service JVMs, the edge) so that none outlives
 * this JVM, however it ends — SIGKILL included, when no shutdown hook runs.
 *
 * <p>Each child is started under {@code setpriv --pdeathsig KILL} (util-linux): the kernel sends
 * it SIGKILL when its parent goes away. Linux counts the <em>thread</em> that forked as the
 * parent, so every start happens on one platform thread that lives as long as the JVM; a child
 * started from a pool or virtual thread would be killed as soon as that thread ended. Without
 * {@code setpriv} on the PATH children start plainly and the JVM's shutdown hooks are the only
 * guard (one warning says so).
 *
 * <p>The same thread also writes the executables the stack runs ({@link #onSpawnerThread}): a fork
 * made while another thread still had a new binary open for writing would hold that file open
 * in the child, and executing the binary then fails with "Text file busy" (ETXTBSY).
 */
public final class ProcessSpawner {

    private static final System.Logger LOG = System.getLogger(ProcessSpawner.class.getName());
    private static final Optional<Path> SETPRIV = findSetpriv();
    private static final LinkedBlockingQueue<Request<?>> QUEUE = new LinkedBlockingQueue<>();

    private static final Thread SPAWNER = Thread.ofPlatform().daemon().name("kedai-process-spawner")
            .unstarted(ProcessSpawner::serve);

    static {
        SPAWNER.start();
        if (SETPRIV.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "setpriv not found on the PATH: child processes may outlive"
                    + " this JVM if it is killed with SIGKILL (install util-linux)");
        }
    }

    private ProcessSpawner() {
    }

    /** Whether children die with this JVM even on SIGKILL. */
    public static boolean guardsOrphans() {
        return SETPRIV.isPresent();
    }

    /**
     * Starts {@code builder}'s command as a child bound to this JVM's life. The returned process
     * is the command itself ({@code setpriv} replaces itself with it), so its pid is the one to
     * signal.
     */
    public static Process start(ProcessBuilder builder) {
        List<String> command = new ArrayList<>(builder.command());
        SETPRIV.ifPresent(setpriv -> command.addAll(0, List.of(setpriv.toString(), "--pdeathsig", "KILL", "--")));
        ProcessBuilder bound = new ProcessBuilder(command)
                .directory(builder.directory())
                .redirectInput(builder.redirectInput())
                .redirectOutput(builder.redirectOutput())
                .redirectError(builder.redirectError())
                .redirectErrorStream(builder.redirectErrorStream());
        bound.environment().clear();
        bound.environment().putAll(builder.environment());
        try {
            return onSpawnerThread(bound::start);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", builder.command()), e);
        }
    }

    /** Work that must not overlap a fork of this JVM (writing an executable, or starting something). */
    @FunctionalInterface
    public interface Work<T> {
        T run() throws IOException;
    }

    /** Runs {@code work} on the spawner thread, so no child is forked while it runs; returns its result. */
    public static <T> T onSpawnerThread(Work<T> work) throws IOException {
        if (Thread.currentThread() == SPAWNER) {
            return work.run();
        }
        Request<T> request = new Request<>(work, new CompletableFuture<>());
        QUEUE.add(request);
        try {
            return request.result().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            // a start may happen anyway; the pdeathsig still binds that child to this JVM
            throw new IllegalStateException("interrupted while waiting for the process spawner", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    private static void serve() {
        while (true) {
            Request<?> request;
            try {
                request = QUEUE.take();
            } catch (InterruptedException e) {
                continue; // this thread must not end: its children would get their death signal
            }
            request.complete();
        }
    }

    private static Optional<Path> findSetpriv() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return Optional.empty();
        }
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("") + File.pathSeparator + "/usr/bin:/bin";
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "setpriv");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate.toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    private record Request<T>(Work<T> work, CompletableFuture<T> result) {
        void complete() {
            try {
                result.complete(work.run());
            } catch (IOException | RuntimeException e) {
                result.completeExceptionally(e);
            }
        }
    }
}

package dev.kedai.devstack;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** {@code down}: SIGTERM to the launcher named in the pid file, then waits until it is gone. */
public final class DownCommand {
    /** Services' grace (15 s) plus the infrastructure's stop, with room to spare. */
    public static final Duration WAIT = Duration.ofSeconds(90);

    private final StackConfig config;
    private final PrintStream out;

    public DownCommand(StackConfig config, PrintStream out) {
        this.config = config;
        this.out = out;
    }

    public int run() {
        PidFile pidFile = new PidFile(config.pidFile());
        Optional<ProcessHandle> launcher = pidFile.runningLauncher();
        if (launcher.isEmpty()) {
            if (pidFile.read().isPresent()) {
                pidFile.delete(); // left by a launcher that was killed
            }
            out.println("Kedai devstack is not running");
            return 0;
        }
        ProcessHandle handle = launcher.get();
        long t0 = System.nanoTime();
        out.println("stopping Kedai devstack (pid " + handle.pid() + ") ...");
        handle.destroy();
        try {
            handle.onExit().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new StackException("Kedai devstack (pid " + handle.pid() + ") still running after "
                    + WAIT.toSeconds() + " s; see " + config.logDir(), 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
        out.printf("stopped in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}

package dev.kedai.devstack;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

import dev.kedai.infra.InfraEndpoints;
import dev.kedai.infra.PortInUseException;

/**
 * {@code up}: checks (pid file, ports, jars) before anything starts, then starts the stack,
 * prints the addresses and stays in the foreground until Ctrl-C, {@code down}, or a service crash.
 */
public final class UpCommand {
    private final StackConfig config;
    private final PrintStream out;
    private final PrintStream err;

    public UpCommand(StackConfig config, PrintStream out, PrintStream err) {
        this.config = config;
        this.out = out;
        this.err = err;
    }

    /** Returns the exit code: 0 after a normal stop, 1 a failure, 2 a port or setup problem. */
    public int run() {
        Progress progress = new Progress(out);
        PidFile pidFile = new PidFile(config.pidFile());
        pidFile.runningLauncher().ifPresent(running -> {
            throw new StackException("Kedai devstack is already running (pid " + running.pid()
                    + "); stop it with ./kedai down", 2);
        });
        Ports.requireFree(config.portClaims());
        if (!config.infraOnly()) {
            ServiceJars.require(config.repoRoot());
        }
        progress.step("ports free, jars found");

        long pid = ProcessHandle.current().pid();
        pidFile.writeCurrent();
        DevStack devStack = new DevStack(config);
        Thread stopper = new Thread(() -> stop(devStack, pidFile, pid), "kedai-devstack-stop");
        Runtime.getRuntime().addShutdownHook(stopper);

        InfraEndpoints infra;
        try {
            infra = devStack.start(progress, err::println);
        } catch (RuntimeException e) {
            if (devStack.isClosing()) {
                return 130; // Ctrl-C during start-up: the hook stops what has started
            }
            report(e);
            Runtime.getRuntime().removeShutdownHook(stopper);
            stop(devStack, pidFile, pid);
            return e instanceof StackException s ? s.exitCode() : e instanceof PortInUseException ? 2 : 1;
        }
        out.print(UrlTable.render(config, infra, progress.elapsed()));
        out.flush();

        if (config.infraOnly()) {
            awaitForever();
            return 0;
        }
        ServiceProcess exited = devStack.stack().orElseThrow().anyExit().join();
        if (devStack.isClosing()) {
            awaitForever(); // the hook is stopping everything; the JVM ends when it is done
        }
        err.println(exited.launch().name() + " exited with code " + exited.exitCode() + "; stopping everything"
                + " (log: " + exited.launch().logFile() + ")");
        err.println(Readiness.tailText(exited));
        Runtime.getRuntime().removeShutdownHook(stopper);
        stop(devStack, pidFile, pid);
        return 1;
    }

    /** One clear line (and a log tail) for the failures we expect; the whole chain for the others. */
    private void report(RuntimeException e) {
        if (e instanceof StackException s) {
            err.println(s.getMessage());
            if (!s.details().isEmpty()) {
                err.println(s.details());
            }
        } else if (e instanceof PortInUseException) {
            err.println(e.getMessage());
        } else {
            err.println("start-up failed: " + e.getMessage());
            for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
                err.println("  caused by: " + cause);
            }
        }
        err.flush();
    }

    private void stop(DevStack devStack, PidFile pidFile, long pid) {
        long t0 = System.nanoTime();
        out.println("stopping Kedai devstack ...");
        out.flush();
        try {
            devStack.close();
        } catch (RuntimeException e) {
            err.println("while stopping: " + e);
        } finally {
            pidFile.deleteIfOwnedBy(pid);
        }
        out.printf("stopped in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        out.flush();
    }

    private static void awaitForever() {
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

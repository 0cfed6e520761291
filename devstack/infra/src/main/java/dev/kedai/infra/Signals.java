package dev.kedai.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * POSIX signals the JDK cannot send ({@code ProcessHandle} knows only TERM and KILL): STOP and
 * CONT pause and resume a process, which is how a stalled server is simulated.
 */
public final class Signals {

    private Signals() {
    }

    /**
     * Sends {@code signal} (a name such as {@code STOP}, {@code CONT}, {@code TERM}, {@code KILL})
     * to {@code pid} with {@code kill(1)}.
     *
     * @throws IllegalStateException when kill fails (e.g. no such process)
     */
    public static void send(long pid, String signal) {
        if (!signal.matches("[A-Z0-9]+")) {
            throw new IllegalArgumentException("not a signal name: " + signal);
        }
        try {
            Process kill = ProcessSpawner.onSpawnerThread(() -> new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                    .redirectErrorStream(true).start());
            String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling " + pid, e);
        }
    }
}

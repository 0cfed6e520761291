package dev.kedai.devstack;

import java.io.PrintStream;
import java.time.Duration;

/** Start-up progress: one line per step with the time since the launcher started. */
public final class Progress {
    private final PrintStream out;
    private final long startNanos;

    public Progress(PrintStream out) {
        this(out, System.nanoTime());
    }

    public Progress(PrintStream out, long startNanos) {
        this.out = out;
        this.startNanos = startNanos;
    }

    /** A progress sink that prints nothing (tests that only need the stack). */
    public static Progress silent() {
        return new Progress(new PrintStream(PrintStream.nullOutputStream()));
    }

    public void step(String message) {
        out.printf("[%6.1fs] %s%n", elapsed().toMillis() / 1000.0, message);
        out.flush();
    }

    public Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    PrintStream out() {
        return out;
    }
}

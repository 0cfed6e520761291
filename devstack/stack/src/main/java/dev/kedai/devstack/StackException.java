package dev.kedai.devstack;

/**
 * A start-up failure the user can act on; {@link #getMessage()} is one clear line (the
 * launcher prints it without a stack trace), {@link #details()} optional lines after it.
 */
public class StackException extends RuntimeException {
    private final int exitCode;
    private final String details;

    public StackException(String message, int exitCode) {
        this(message, exitCode, "");
    }

    public StackException(String message, int exitCode, String details) {
        super(message);
        this.exitCode = exitCode;
        this.details = details;
    }

    public int exitCode() {
        return exitCode;
    }

    public String details() {
        return details;
    }
}

package dev.kedai.devstack;

/** Bad command line: the message is shown as is, followed by a hint to {@code --help}. */
public final class UsageException extends RuntimeException {

    public UsageException(String message) {
        super(message);
    }
}

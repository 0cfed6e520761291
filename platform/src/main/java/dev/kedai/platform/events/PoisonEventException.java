package dev.kedai.platform.events;

/** A record that can never be processed (e.g. its payload does not parse): dead-lettered without retries. */
public class PoisonEventException extends RuntimeException {
    public PoisonEventException(String message, Throwable cause) {
        super(message, cause);
    }
}

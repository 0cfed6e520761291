package dev.kedai.platform.security;

/**
 * The signing keys could not be fetched from the auth service, so no token can be checked.
 * Maps to 503: the client's token may be fine, it must not be told to log in again.
 */
public class KeysUnavailableException extends RuntimeException {
    public KeysUnavailableException(String detail, Throwable cause) {
        super(detail, cause);
    }
}

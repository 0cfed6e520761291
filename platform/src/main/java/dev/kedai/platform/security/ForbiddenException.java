package dev.kedai.platform.security;

/** Authenticated, but without the role the operation needs. Maps to 403. */
public class ForbiddenException extends RuntimeException {
    public ForbiddenException(String detail) {
        super(detail);
    }
}

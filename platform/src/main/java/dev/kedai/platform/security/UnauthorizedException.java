package dev.kedai.platform.security;

/** No valid credentials: missing, malformed, expired, badly signed or revoked token. Maps to 401. */
public class UnauthorizedException extends RuntimeException {
    public UnauthorizedException(String detail) {
        super(detail);
    }

    public UnauthorizedException(String detail, Throwable cause) {
        super(detail, cause);
    }
}

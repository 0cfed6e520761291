package dev.kedai.platform.security;

import java.util.Optional;

import io.helidon.security.jwt.jwk.Jwk;

/** Where {@link JwtVerifier} finds the public key a token's {@code kid} names. */
@FunctionalInterface
public interface KeySource {

    /** The key with this id, or empty when it is not (or no longer) a signing key. */
    Optional<Jwk> key(String kid);
}

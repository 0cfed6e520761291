package dev.kedai.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import dev.kedai.platform.security.Caller;
import dev.kedai.platform.security.JwtVerifier;
import dev.kedai.platform.security.UnauthorizedException;
import io.helidon.config.Config;
import io.helidon.security.jwt.Jwt;
import io.helidon.security.jwt.SignedJwt;
import io.helidon.security.jwt.jwk.Jwk;
import io.helidon.security.jwt.jwk.JwkRSA;

/**
 * Mints RS256 access tokens ({@code iss, sub, aud, exp, iat, jti, sid, groups}, header {@code kid})
 * with the current signing key, and verifies them against the current and previous keys.
 *
 * <p>auth verifies its own tokens with the platform's {@link JwtVerifier} over the keys it holds,
 * rather than through its JWKS URL: no HTTP call to itself, and the same answer on every replica.
 *
 * <p>Config: {@code security.jwt.issuer} (default "kedai-auth"), {@code security.jwt.audience}
 * (default "kedai"), {@code auth.access-token-ttl} (default PT15M),
 * {@code security.jwt.clock-skew} (default PT30S).
 */
public final class AccessTokens {

    /** A freshly minted access token. */
    public record Issued(String token, String tokenId, Instant expiresAt) {
    }

    private final SigningKeys keys;
    private final String issuer;
    private final String audience;
    private final Duration ttl;
    private final Duration clockSkew;
    private final Clock clock;
    private final JwkRSA signer;
    private final Map<String, JwkRSA> verifiers = new ConcurrentHashMap<>();
    private final JwtVerifier verifier;

    public AccessTokens(SigningKeys keys, String issuer, String audience, Duration ttl, Duration clockSkew, Clock clock) {
        this.keys = keys;
        this.issuer = issuer;
        this.audience = audience;
        this.ttl = ttl;
        this.clockSkew = clockSkew;
        this.clock = clock;
        SigningKey current = keys.current();
        this.signer = JwkRSA.builder().privateKey(current.privateKey()).publicKey(current.publicKey())
                .keyId(current.kid()).algorithm(JwkRSA.ALG_RS256).build();
        keys.verificationKeys().forEach(k -> verifiers.put(k.kid(), JwkRSA.builder().publicKey(k.publicKey())
                .keyId(k.kid()).algorithm(JwkRSA.ALG_RS256).build()));
        this.verifier = new JwtVerifier(kid -> Optional.<Jwk>ofNullable(verifiers.get(kid)), issuer, audience,
                                        clockSkew, clock);
    }

    public static AccessTokens create(SigningKeys keys, Config root) {
        return new AccessTokens(keys,
                                root.get("security.jwt.issuer").asString().orElse("kedai-auth"),
                                root.get("security.jwt.audience").asString().orElse("kedai"),
                                root.get("auth.access-token-ttl").as(Duration.class).orElse(Duration.ofMinutes(15)),
                                root.get("security.jwt.clock-skew").as(Duration.class).orElse(Duration.ofSeconds(30)),
                                Clock.systemUTC());
    }

    /** How long an access token lives. */
    public Duration ttl() {
        return ttl;
    }

    /**
     * The latest {@code exp} a token of a session issued up to now can have: a session revoked
     * in the deny list until then has no token left that could still verify.
     */
    public Instant revokeUntil() {
        return clock.instant().plus(ttl).plus(clockSkew);
    }

    public Issued mint(String userId, String sessionId, String role) {
        Instant now = clock.instant();
        Instant exp = now.plus(ttl);
        String jti = UUID.randomUUID().toString();
        Jwt jwt = Jwt.builder()
                .algorithm(JwkRSA.ALG_RS256)
                .type("JWT")
                .keyId(signer.keyId())
                .issuer(issuer)
                .addAudience(audience)
                .subject(userId)
                .jwtId(jti)
                .addPayloadClaim("sid", sessionId)
                .addUserGroup(role)
                .issueTime(now)
                .expirationTime(exp)
                .build();
        return new Issued(SignedJwt.sign(jwt, signer).tokenContent(), jti, exp);
    }

    /**
     * The caller a token names, if its signature (current or previous key), {@code exp},
     * {@code iss} and {@code aud} are valid. The deny list is the caller's business.
     *
     * @throws UnauthorizedException otherwise
     */
    public Caller verify(String token) {
        return verifier.verify(token);
    }

    /** The platform's verifier over auth's own keys (no HTTP call to its own JWKS). */
    public JwtVerifier verifier() {
        return verifier;
    }
}

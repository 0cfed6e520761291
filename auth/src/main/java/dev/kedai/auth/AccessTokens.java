package dev.kedai.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import dev.kedai.platform.security.Caller;
import dev.kedai.platform.security.UnauthorizedException;
import io.helidon.common.Errors;
import io.helidon.config.Config;
import io.helidon.security.jwt.Jwt;
import io.helidon.security.jwt.JwtException;
import io.helidon.security.jwt.JwtValidator;
import io.helidon.security.jwt.SignedJwt;
import io.helidon.security.jwt.jwk.JwkRSA;

import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/**
 * Mints RS256 access tokens ({@code iss, sub, aud, exp, iat, jti, sid, groups}, header {@code kid})
 * with the current signing key, and verifies them against the current and previous keys.
 *
 * <p>auth verifies its own tokens with the keys it holds rather than through its JWKS URL: no
 * HTTP call to itself, and the same answer on every replica. Other services use the platform's
 * {@code JwtVerifier}; both accept exactly the same tokens.
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
        SignedJwt signed;
        try {
            signed = SignedJwt.parseToken(token);
        } catch (JwtException | IllegalArgumentException | Errors.ErrorMessagesException e) {
            throw new UnauthorizedException("malformed token", e);
        }
        Jwt jwt = signed.getJwt();
        if (!JwkRSA.ALG_RS256.equals(jwt.algorithm().orElse(""))) {
            throw new UnauthorizedException("token is not RS256");
        }
        String kid = jwt.keyId().orElseThrow(() -> new UnauthorizedException("token has no kid"));
        JwkRSA key = verifiers.get(kid);
        if (key == null || !key.verifySignature(signed.getSignedBytes(), signed.getSignature())) {
            throw new UnauthorizedException(key == null ? "unknown signing key " + kid : "bad signature");
        }
        Instant now = clock.instant();
        Errors errors = JwtValidator.builder()
                .addExpirationValidator(b -> b.now(now).allowedTimeSkew(clockSkew).mandatory(true))
                .addNotBeforeValidator(b -> b.now(now).allowedTimeSkew(clockSkew))
                .addIssuerValidator(issuer, true)
                .addAudienceValidator(b -> b.addExpectedAudience(audience).mandatory(true))
                .build()
                .validate(jwt);
        if (!errors.isValid()) {
            throw new UnauthorizedException("token rejected: " + errors.getFirst().getMessage());
        }
        String sub = jwt.subject().orElseThrow(() -> new UnauthorizedException("token has no sub"));
        String jti = jwt.jwtId().orElseThrow(() -> new UnauthorizedException("token has no jti"));
        String sid = jwt.payloadClaim("sid")
                .filter(v -> v.getValueType() == JsonValue.ValueType.STRING)
                .map(v -> ((JsonString) v).getString())
                .orElseThrow(() -> new UnauthorizedException("token has no sid"));
        List<String> groups = jwt.userGroups().orElse(List.of());
        return new Caller(sub, sid, jti, Set.copyOf(groups), jwt.expirationTime().orElseThrow());
    }
}

package dev.kedai.platform.security;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.helidon.common.Errors;
import io.helidon.common.config.Config;
import io.helidon.security.jwt.Jwt;
import io.helidon.security.jwt.JwtException;
import io.helidon.security.jwt.JwtValidator;
import io.helidon.security.jwt.SignedJwt;
import io.helidon.security.jwt.jwk.Jwk;
import io.helidon.security.jwt.jwk.JwkRSA;

/**
 * Verifies RS256 access tokens issued by the auth service: signature against a {@link KeySource}
 * (the auth service's JWKS for every other service, see {@link JwksKeySource}; auth's own keys in
 * auth), {@code exp} (mandatory), {@code iss}, {@code aud}, and the presence of {@code sub},
 * {@code jti}, {@code sid}.
 *
 * <p>Config (root): {@code security.jwt.jwks-url} (one URL, or several separated by commas: the
 * instances of auth, tried in turn), {@code security.jwt.issuer} (default
 * "kedai-auth"), {@code security.jwt.audience} (default "kedai"),
 * {@code security.jwt.jwks-refresh} (default PT10M), {@code security.jwt.jwks-min-refresh}
 * (default PT5S), {@code security.jwt.clock-skew} (default PT30S), {@code security.jwt.remember}
 * (default 4096; 0 remembers none).
 *
 * <p>A token it has verified is remembered by its whole text (at most {@code remember} of them,
 * about 1.3 KiB each: the token's text and its caller): the same token again skips the parse and
 * the RSA check (46 µs of CPU, "Remembered tokens" in docs/capacity.md), but not the expiry, nor
 * the key: once the key set no longer holds the very key that verified it (withdrawn, or fetched
 * anew), the token is checked in full again. Revocation is the deny list's, checked per request
 * by {@link Authentication}.
 */
public final class JwtVerifier {

    /** How many verified tokens are remembered unless {@code security.jwt.remember} says otherwise. */
    public static final int REMEMBER = 4096;

    private record Verified(Caller caller, String kid, Jwk key) {
    }

    private final Cache<String, Verified> verified;   // null when remembering none

    private final KeySource keys;
    private final Duration clockSkew;
    private final String issuer;
    private final String audience;
    private final Clock clock;

    /** Keys from the JWKS at {@code jwksUrl}; see {@link JwksKeySource}. */
    public JwtVerifier(URI jwksUrl, String issuer, String audience, Duration refreshAfter, Duration minRefreshGap,
                       Duration clockSkew) {
        this(new JwksKeySource(jwksUrl, refreshAfter, minRefreshGap, Clock.systemUTC()), issuer, audience, clockSkew,
             Clock.systemUTC());
    }

    public JwtVerifier(KeySource keys, String issuer, String audience, Duration clockSkew, Clock clock) {
        this(keys, issuer, audience, clockSkew, clock, REMEMBER);
    }

    /** Remembering at most {@code remember} verified tokens (0: none). */
    public JwtVerifier(KeySource keys, String issuer, String audience, Duration clockSkew, Clock clock, int remember) {
        this.verified = remember > 0 ? Caffeine.newBuilder().maximumSize(remember).build() : null;
        this.keys = keys;
        this.issuer = issuer;
        this.audience = audience;
        this.clockSkew = clockSkew;
        this.clock = clock;
    }

    public static JwtVerifier create(Config root) {
        Config jwt = root.get("security.jwt");
        List<URI> jwks = java.util.Arrays.stream(jwt.get("jwks-url").asString().get().split(","))
                .map(String::trim).filter(u -> !u.isEmpty()).map(URI::create).toList();
        return new JwtVerifier(new JwksKeySource(jwks,
                                       jwt.get("jwks-refresh").as(Duration.class).orElse(Duration.ofMinutes(10)),
                                       jwt.get("jwks-min-refresh").as(Duration.class).orElse(Duration.ofSeconds(5)),
                                       Clock.systemUTC()),
                               jwt.get("issuer").asString().orElse("kedai-auth"),
                               jwt.get("audience").asString().orElse("kedai"),
                               jwt.get("clock-skew").as(Duration.class).orElse(Duration.ofSeconds(30)),
                               Clock.systemUTC(),
                               jwt.get("remember").asInt().orElse(REMEMBER));
    }

    /**
     * @param token the compact JWS (without "Bearer ")
     * @return the caller it names
     * @throws UnauthorizedException    if the token is not valid
     * @throws KeysUnavailableException if the JWKS cannot be fetched
     */
    public Caller verify(String token) {
        // by the whole text: any other token is checked in full
        Verified known = verified == null ? null : verified.getIfPresent(token);
        if (known != null) {
            if (clock.instant().isBefore(known.caller().expiresAt().plus(clockSkew))
                    && keys.key(known.kid()).orElse(null) == known.key()) {
                return known.caller();
            }
            verified.invalidate(token);
        }
        SignedJwt signed;
        try {
            signed = SignedJwt.parseToken(token);
        } catch (JwtException | IllegalArgumentException | Errors.ErrorMessagesException e) {
            // parseToken reports bad base64/JSON segments as ErrorMessagesException
            throw new UnauthorizedException("malformed token", e);
        }
        Jwt jwt = signed.getJwt();
        if (!JwkRSA.ALG_RS256.equals(jwt.algorithm().orElse(""))) {
            throw new UnauthorizedException("token is not RS256");
        }
        String kid = jwt.keyId().orElseThrow(() -> new UnauthorizedException("token has no kid"));
        Jwk key = keys.key(kid).orElseThrow(() -> new UnauthorizedException("unknown signing key " + kid));
        if (!JwkRSA.ALG_RS256.equals(key.algorithm())
                || !key.verifySignature(signed.getSignedBytes(), signed.getSignature())) {
            throw new UnauthorizedException("bad signature");
        }
        Errors errors = validator().validate(jwt);
        if (!errors.isValid()) {
            throw new UnauthorizedException("token rejected: " + errors.getFirst().getMessage());
        }
        String sub = jwt.subject().orElseThrow(() -> new UnauthorizedException("token has no sub"));
        String jti = jwt.jwtId().orElseThrow(() -> new UnauthorizedException("token has no jti"));
        String sid = jwt.payloadClaim("sid")
                .filter(v -> v.getValueType() == jakarta.json.JsonValue.ValueType.STRING)
                .map(v -> ((jakarta.json.JsonString) v).getString())
                .orElseThrow(() -> new UnauthorizedException("token has no sid"));
        List<String> groups = jwt.userGroups().orElse(List.of());
        Caller caller = new Caller(sub, sid, jti, java.util.Set.copyOf(groups), jwt.expirationTime().orElseThrow());
        if (verified != null) {
            verified.put(token, new Verified(caller, kid, key));
        }
        return caller;
    }

    // built per call: the validators capture "now"
    private JwtValidator validator() {
        Instant now = clock.instant();
        return JwtValidator.builder()
                .addExpirationValidator(b -> b.now(now).allowedTimeSkew(clockSkew).mandatory(true))
                .addNotBeforeValidator(b -> b.now(now).allowedTimeSkew(clockSkew))
                .addIssuerValidator(issuer, true)
                .addAudienceValidator(b -> b.addExpectedAudience(audience).mandatory(true))
                .build();
    }
}

package dev.kedai.platform.security;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

import io.helidon.common.Errors;
import io.helidon.common.config.Config;
import io.helidon.security.jwt.Jwt;
import io.helidon.security.jwt.JwtException;
import io.helidon.security.jwt.JwtValidator;
import io.helidon.security.jwt.SignedJwt;
import io.helidon.security.jwt.jwk.Jwk;
import io.helidon.security.jwt.jwk.JwkKeys;
import io.helidon.security.jwt.jwk.JwkRSA;

import jakarta.json.Json;
import jakarta.json.JsonReader;

/**
 * Verifies RS256 access tokens issued by the auth service: signature against its JWKS,
 * {@code exp} (mandatory), {@code iss}, {@code aud}, and the presence of {@code sub},
 * {@code jti}, {@code sid}.
 *
 * <p>Keys are fetched lazily, cached, fetched again when a token names an unknown
 * {@code kid} (at most once per {@code jwks-min-refresh}, so garbage tokens cannot make us
 * hammer auth) and when the cached set is older than {@code jwks-refresh}.
 *
 * <p>Config (root): {@code security.jwt.jwks-url}, {@code security.jwt.issuer} (default
 * "kedai-auth"), {@code security.jwt.audience} (default "kedai"),
 * {@code security.jwt.jwks-refresh} (default PT10M), {@code security.jwt.jwks-min-refresh}
 * (default PT5S), {@code security.jwt.clock-skew} (default PT30S).
 */
public final class JwtVerifier {

    private final URI jwksUrl;
    private final Duration refreshAfter;
    private final Duration minRefreshGap;
    private final Duration clockSkew;
    private final String issuer;
    private final String audience;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final ReentrantLock fetching = new ReentrantLock();

    private volatile JwkKeys keys;
    private volatile Instant fetchedAt = Instant.EPOCH;
    private volatile Instant lastAttempt = Instant.EPOCH;

    public JwtVerifier(URI jwksUrl, String issuer, String audience, Duration refreshAfter, Duration minRefreshGap,
                       Duration clockSkew) {
        this(jwksUrl, issuer, audience, refreshAfter, minRefreshGap, clockSkew, Clock.systemUTC());
    }

    JwtVerifier(URI jwksUrl, String issuer, String audience, Duration refreshAfter, Duration minRefreshGap,
                Duration clockSkew, Clock clock) {
        this.jwksUrl = jwksUrl;
        this.issuer = issuer;
        this.audience = audience;
        this.refreshAfter = refreshAfter;
        this.minRefreshGap = minRefreshGap;
        this.clockSkew = clockSkew;
        this.clock = clock;
    }

    public static JwtVerifier create(Config root) {
        Config jwt = root.get("security.jwt");
        return new JwtVerifier(URI.create(jwt.get("jwks-url").asString().get()),
                               jwt.get("issuer").asString().orElse("kedai-auth"),
                               jwt.get("audience").asString().orElse("kedai"),
                               jwt.get("jwks-refresh").as(Duration.class).orElse(Duration.ofMinutes(10)),
                               jwt.get("jwks-min-refresh").as(Duration.class).orElse(Duration.ofSeconds(5)),
                               jwt.get("clock-skew").as(Duration.class).orElse(Duration.ofSeconds(30)));
    }

    /**
     * @param token the compact JWS (without "Bearer ")
     * @return the caller it names
     * @throws UnauthorizedException    if the token is not valid
     * @throws KeysUnavailableException if the JWKS cannot be fetched
     */
    public Caller verify(String token) {
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
        Jwk key = key(kid).orElseThrow(() -> new UnauthorizedException("unknown signing key " + kid));
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
        return new Caller(sub, sid, jti, java.util.Set.copyOf(groups), jwt.expirationTime().orElseThrow());
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

    private Optional<Jwk> key(String kid) {
        JwkKeys current = keys;
        Instant now = clock.instant();
        if (current == null || fetchedAt.plus(refreshAfter).isBefore(now)) {
            current = refresh(current == null);
        }
        Optional<Jwk> found = current == null ? Optional.empty() : current.forKeyId(kid);
        if (found.isEmpty() && lastAttempt.plus(minRefreshGap).isBefore(now)) {
            // rotation: a new key was published since we last looked
            current = refresh(false);
            found = current == null ? Optional.empty() : current.forKeyId(kid);
        }
        return found;
    }

    /** Fetches the key set; one thread at a time, the others keep using what is cached. */
    private JwkKeys refresh(boolean mustHave) {
        if (mustHave) {
            fetching.lock();
        } else if (!fetching.tryLock()) {
            return keys;
        }
        try {
            Instant now = clock.instant();
            if (keys != null && mustHave) {
                return keys;   // another thread fetched while we waited
            }
            if (keys == null && lastAttempt.plus(minRefreshGap).isAfter(now)) {
                // auth is down: do not send it one request per incoming request
                throw new KeysUnavailableException("signing keys from " + jwksUrl + " not available yet", null);
            }
            if (lastAttempt.plus(minRefreshGap).isAfter(now) && keys != null) {
                return keys;
            }
            lastAttempt = now;
            try {
                keys = fetch();
                fetchedAt = now;
            } catch (IOException | RuntimeException e) {
                if (keys == null) {
                    throw new KeysUnavailableException("cannot fetch signing keys from " + jwksUrl, e);
                }
                System.getLogger(JwtVerifier.class.getName())
                        .log(System.Logger.Level.WARNING, "JWKS refresh failed, keeping cached keys", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KeysUnavailableException("interrupted while fetching signing keys", e);
            }
            return keys;
        } finally {
            fetching.unlock();
        }
    }

    private JwkKeys fetch() throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(jwksUrl)
                                                          .timeout(Duration.ofSeconds(3))
                                                          .header("Accept", "application/json")
                                                          .GET().build(),
                                                  HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("JWKS answered " + response.statusCode());
        }
        try (JsonReader reader = Json.createReader(new StringReader(response.body()))) {
            return JwkKeys.create(reader.readObject());
        }
    }
}

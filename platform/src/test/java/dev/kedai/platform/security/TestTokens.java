package dev.kedai.platform.security;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.helidon.security.jwt.Jwt;
import io.helidon.security.jwt.SignedJwt;
import io.helidon.security.jwt.jwk.JwkRSA;

/**
 * Test helper for every service: RSA signing keys, a JWKS endpoint (JDK HttpServer on a free
 * port, path {@code /auth/jwks}) and minting of access tokens shaped like auth's.
 *
 * <pre>{@code
 * try (TestTokens tokens = TestTokens.start()) {
 *     // service config: tokens.config() -> security.jwt.jwks-url / issuer / audience
 *     String bearer = "Bearer " + tokens.mint("user-1", "customer");
 * }
 * }</pre>
 */
public final class TestTokens implements AutoCloseable {

    public static final String ISSUER = "kedai-auth";
    public static final String AUDIENCE = "kedai";

    private record Key(String kid, KeyPair pair) {
    }

    private final List<Key> published = new CopyOnWriteArrayList<>();
    private final AtomicInteger jwksRequests = new AtomicInteger();
    private final HttpServer server;
    private volatile Key current;

    private TestTokens() throws IOException {
        current = newKey();
        published.add(current);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/auth/jwks", exchange -> {
            jwksRequests.incrementAndGet();
            byte[] body = jwks().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    public static TestTokens start() {
        try {
            return new TestTokens();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the test JWKS server", e);
        }
    }

    public URI jwksUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/auth/jwks");
    }

    /** The {@code security.jwt.*} keys a service under test needs. */
    public Map<String, String> config() {
        return Map.of("security.jwt.jwks-url", jwksUrl().toString(),
                      "security.jwt.issuer", ISSUER,
                      "security.jwt.audience", AUDIENCE);
    }

    /** A verifier for this endpoint; {@code minRefreshGap} bounds re-fetches on unknown kids. */
    public JwtVerifier verifier(Duration minRefreshGap) {
        return new JwtVerifier(jwksUrl(), ISSUER, AUDIENCE, Duration.ofMinutes(10), minRefreshGap, Duration.ofSeconds(5));
    }

    /** A valid 15-minute access token for {@code userId} with these roles and a new session. */
    public String mint(String userId, String... groups) {
        return mint(b -> {
            b.subject(userId);
            Arrays.stream(groups).forEach(b::addUserGroup);
        });
    }

    /**
     * A token starting from valid defaults (iss, aud, sub, jti, sid, iat, exp = now + 15 min,
     * kid of the current key), then changed by {@code customize}.
     */
    public String mint(Consumer<Jwt.Builder> customize) {
        return sign(current, customize);
    }

    /** Signed by a key the JWKS does not publish (same kid as the current one). */
    public String mintWithForeignKey(Consumer<Jwt.Builder> customize) {
        return sign(new Key(current.kid(), newKey().pair()), customize);
    }

    /** Publishes a new key and signs with it from now on; the old key stays published. */
    public String rotate() {
        Key next = newKey();
        published.add(next);
        current = next;
        return next.kid();
    }

    /** Signs with a new key that is NOT published yet; {@link #publishPending()} publishes it. */
    public String mintWithUnpublishedKey(String userId) {
        if (pending == null) {
            pending = newKey();
        }
        return sign(pending, b -> b.subject(userId));
    }

    public void publishPending() {
        published.add(pending);
        current = pending;
        pending = null;
    }

    private volatile Key pending;

    /** Stops publishing the key {@code kid} (withdrawn, e.g. compromised); nothing signs with it any more. */
    public void withdraw(String kid) {
        published.removeIf(k -> k.kid().equals(kid));
        if (current.kid().equals(kid)) {
            rotate();
        }
    }

    /** The kid new tokens are signed with. */
    public String currentKid() {
        return current.kid();
    }

    public int jwksRequests() {
        return jwksRequests.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private String sign(Key key, Consumer<Jwt.Builder> customize) {
        Instant now = Instant.now();
        Jwt.Builder b = Jwt.builder()
                .algorithm(JwkRSA.ALG_RS256)
                .type("JWT")
                .keyId(key.kid())
                .issuer(ISSUER)
                .addAudience(AUDIENCE)
                .subject("user-" + UUID.randomUUID())
                .jwtId(UUID.randomUUID().toString())
                .addPayloadClaim("sid", UUID.randomUUID().toString())
                .issueTime(now)
                .expirationTime(now.plus(Duration.ofMinutes(15)));
        customize.accept(b);
        JwkRSA jwk = JwkRSA.builder()
                .privateKey((RSAPrivateKey) key.pair().getPrivate())
                .publicKey((RSAPublicKey) key.pair().getPublic())
                .keyId(key.kid())
                .algorithm(JwkRSA.ALG_RS256)
                .build();
        return SignedJwt.sign(b.build(), jwk).tokenContent();
    }

    private String jwks() {
        List<Map<String, String>> keys = new ArrayList<>();
        for (Key k : published) {
            RSAPublicKey pub = (RSAPublicKey) k.pair().getPublic();
            keys.add(Map.of("kty", "RSA", "use", "sig", "alg", JwkRSA.ALG_RS256, "kid", k.kid(),
                            "n", base64Url(pub.getModulus()), "e", base64Url(pub.getPublicExponent())));
        }
        try {
            return new ObjectMapper().writeValueAsString(Map.of("keys", keys));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // JWK integers are unsigned big-endian: drop BigInteger's sign byte
    private static String base64Url(BigInteger value) {
        byte[] bytes = value.toByteArray();
        if (bytes.length > 1 && bytes[0] == 0) {
            bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static Key newKey() {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
            gen.initialize(2048);
            return new Key("k-" + UUID.randomUUID().toString().substring(0, 8), gen.generateKeyPair());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

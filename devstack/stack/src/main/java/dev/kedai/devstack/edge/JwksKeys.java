package dev.kedai.devstack.edge;

import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The RSA public keys of the auth service's JWKS, the dev edge's stand-in for the
 * {@code rsa_public_key} of the Kong jwt credential: the devstack generates auth's key pair on
 * first start, so no file can hold it in advance. Fetched on first use, again when a token
 * names an unknown {@code kid} (at most every {@link #MIN_REFRESH}, so garbage tokens cannot
 * make the edge hammer auth).
 */
public final class JwksKeys {
    static final Duration MIN_REFRESH = Duration.ofSeconds(2);

    private final URI jwksUri;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final ReentrantLock fetching = new ReentrantLock();
    private volatile Map<String, PublicKey> keys = Map.of();
    private volatile long lastFetchNanos;
    private volatile boolean fetched;

    public JwksKeys(URI jwksUri) {
        this.jwksUri = jwksUri;
    }

    /** The key named {@code kid}, or every key when the token names none. */
    public List<PublicKey> candidates(String kid) {
        Map<String, PublicKey> current = keys;
        if (!fetched || (kid != null && !current.containsKey(kid) && dueForRefresh())) {
            current = refresh();
        }
        if (kid == null) {
            return List.copyOf(current.values());
        }
        PublicKey key = current.get(kid);
        return key == null ? List.of() : List.of(key);
    }

    private boolean dueForRefresh() {
        return System.nanoTime() - lastFetchNanos > MIN_REFRESH.toNanos();
    }

    private Map<String, PublicKey> refresh() {
        fetching.lock();
        try {
            if (fetched && !dueForRefresh()) {
                return keys;
            }
            lastFetchNanos = System.nanoTime();
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(jwksUri).timeout(Duration.ofSeconds(3))
                    .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                keys = parse(new ObjectMapper().readTree(response.body()));
                fetched = true;
            }
        } catch (java.io.IOException | RuntimeException e) {
            System.getLogger(JwksKeys.class.getName()).log(System.Logger.Level.WARNING,
                    "cannot fetch " + jwksUri + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            fetching.unlock();
        }
        return keys;
    }

    static Map<String, PublicKey> parse(JsonNode jwks) {
        Map<String, PublicKey> parsed = new LinkedHashMap<>();
        int unnamed = 0;
        for (JsonNode jwk : jwks.path("keys")) {
            if (!"RSA".equals(jwk.path("kty").asText())) {
                continue;
            }
            try {
                BigInteger n = new BigInteger(1, Base64.getUrlDecoder().decode(jwk.path("n").asText()));
                BigInteger e = new BigInteger(1, Base64.getUrlDecoder().decode(jwk.path("e").asText()));
                PublicKey key = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
                parsed.put(jwk.has("kid") ? jwk.get("kid").asText() : "#" + unnamed++, key);
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                // a key we cannot use verifies nothing; the others still work
            }
        }
        return Map.copyOf(parsed);
    }
}

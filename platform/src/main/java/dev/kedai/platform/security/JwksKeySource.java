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

import io.helidon.security.jwt.jwk.Jwk;
import io.helidon.security.jwt.jwk.JwkKeys;

import jakarta.json.Json;
import jakarta.json.JsonReader;

/**
 * The auth service's public keys, from its JWKS URL. Fetched lazily, cached, fetched again when
 * a token names an unknown {@code kid} (at most once per {@code minRefreshGap}, so garbage
 * tokens cannot make us hammer auth) and when the cached set is older than {@code refreshAfter}.
 * While auth cannot be reached and nothing is cached: {@link KeysUnavailableException} (503).
 * Given several URLs (auth's instances, e.g. the devstack's {@code --replicas}), a fetch tries
 * them in turn from the last one that answered, so one instance down does not leave a service
 * that never fetched the keys unable to check any token.
 */
public final class JwksKeySource implements KeySource {

    private final List<URI> jwksUrls;
    private final String jwksUrl;
    private volatile int answering;
    private final Duration refreshAfter;
    private final Duration minRefreshGap;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final ReentrantLock fetching = new ReentrantLock();

    private volatile JwkKeys keys;
    private volatile Instant fetchedAt = Instant.EPOCH;
    private volatile Instant lastAttempt = Instant.EPOCH;

    public JwksKeySource(URI jwksUrl, Duration refreshAfter, Duration minRefreshGap, Clock clock) {
        this(List.of(jwksUrl), refreshAfter, minRefreshGap, clock);
    }

    /** Keys from the first of {@code jwksUrls} that answers. */
    public JwksKeySource(List<URI> jwksUrls, Duration refreshAfter, Duration minRefreshGap, Clock clock) {
        if (jwksUrls.isEmpty()) {
            throw new IllegalArgumentException("no JWKS URL");
        }
        this.jwksUrls = List.copyOf(jwksUrls);
        this.jwksUrl = jwksUrls.size() == 1 ? jwksUrls.getFirst().toString() : jwksUrls.toString();
        this.refreshAfter = refreshAfter;
        this.minRefreshGap = minRefreshGap;
        this.clock = clock;
    }

    @Override
    public Optional<Jwk> key(String kid) {
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
                System.getLogger(JwksKeySource.class.getName())
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
        IOException failed = null;
        int first = answering;
        for (int i = 0; i < jwksUrls.size(); i++) {
            int index = (first + i) % jwksUrls.size();
            try {
                JwkKeys fetched = fetch(jwksUrls.get(index));
                answering = index;
                return fetched;
            } catch (IOException e) {
                if (failed != null) {
                    e.addSuppressed(failed);
                }
                failed = e;
            }
        }
        throw failed;
    }

    private JwkKeys fetch(URI jwksUrl) throws IOException, InterruptedException {
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

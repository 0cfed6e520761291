package dev.kedai.devstack.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dev edge with the real kong-ingress/ manifests in front of stand-in upstreams (one small
 * HTTP server per Kedai Service that echoes what it received): Kong's behaviours the system
 * tests cannot provoke cheaply (bad signatures, expired tokens, oversized bodies, rate limits).
 */
class DevEdgeTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> SERVICES = List.of("kedai-auth", "kedai-user", "kedai-product", "kedai-stock",
            "kedai-cartorder");
    static final Map<String, AtomicInteger> HITS = new ConcurrentHashMap<>();
    static final List<WebServer> UPSTREAMS = new ArrayList<>();
    static KeyPair signingKey;
    static DevEdge edge;
    static HttpClient http;
    @TempDir
    static Path logs;

    @BeforeAll
    static void start() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        signingKey = generator.generateKeyPair();
        Map<String, URI> services = new HashMap<>();
        for (String service : SERVICES) {
            HITS.put(service, new AtomicInteger());
            WebServer upstream = WebServer.builder().host("127.0.0.1").port(0).routing(r -> r
                    .get("/auth/jwks", (req, res) -> res.send(jwks()))
                    .any((req, res) -> {
                        HITS.get(service).incrementAndGet();
                        long bodyLength = 0;
                        if (req.content().hasEntity()) {
                            try (InputStream in = req.content().inputStream()) {
                                bodyLength = in.transferTo(java.io.OutputStream.nullOutputStream());
                            }
                        }
                        Map<String, Object> echo = new HashMap<>();
                        echo.put("service", service);
                        echo.put("method", req.prologue().method().text());
                        echo.put("path", req.path().absolute().rawPath());
                        echo.put("query", req.query().rawValue());
                        echo.put("body_length", bodyLength);
                        echo.put("request_id", req.headers().first(HeaderNames.create("X-Request-ID")).orElse(""));
                        echo.put("forwarded_for", req.headers().first(HeaderNames.X_FORWARDED_FOR).orElse(""));
                        echo.put("consumer", req.headers().first(HeaderNames.create("X-Consumer-Username")).orElse(""));
                        echo.put("authorization", req.headers().first(HeaderNames.AUTHORIZATION).orElse(""));
                        res.header("X-Kedai-Service", service);
                        // as the services do: the request id goes back on the answer
                        req.headers().first(HeaderNames.create("X-Request-ID")).ifPresent(id -> res.header("X-Request-ID", id));
                        res.header(HeaderNames.CONTENT_TYPE, "application/json");
                        res.send(JSON.writeValueAsBytes(echo));
                    })).build().start();
            UPSTREAMS.add(upstream);
            services.put(service, URI.create("http://127.0.0.1:" + upstream.port()));
        }
        Path manifests = KongManifestsTest.DIR;
        edge = DevEdge.start(new EdgeSettings(0, manifests, services,
                services.get("kedai-auth").resolve("/auth/jwks"), logs.resolve("edge-access.log"), true));
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        if (edge != null) {
            edge.close();
        }
        UPSTREAMS.forEach(WebServer::stop);
    }

    static String jwks() throws Exception {
        RSAPublicKey key = (RSAPublicKey) signingKey.getPublic();
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return JSON.writeValueAsString(Map.of("keys", List.of(Map.of("kty", "RSA", "kid", "test-1", "alg", "RS256",
                "use", "sig", "n", b64.encodeToString(unsigned(key.getModulus().toByteArray())),
                "e", b64.encodeToString(unsigned(key.getPublicExponent().toByteArray()))))));
    }

    static byte[] unsigned(byte[] bytes) {
        return bytes[0] == 0 ? java.util.Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
    }

    static String token(String iss, long expInSeconds, KeyPair key) throws Exception {
        return token(iss, expInSeconds, key, "test-1");
    }

    static String token(String iss, long expInSeconds, KeyPair key, String kid) throws Exception {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString(JSON.writeValueAsBytes(Map.of("alg", "RS256", "kid", kid, "typ", "JWT")));
        long now = Instant.now().getEpochSecond();
        String claims = b64.encodeToString(JSON.writeValueAsBytes(Map.of("iss", iss, "sub", "u-1", "aud", "kedai",
                "iat", now, "exp", now + expInSeconds)));
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initSign(key.getPrivate());
        rsa.update((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
        return header + "." + claims + "." + b64.encodeToString(rsa.sign());
    }

    static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpRequest.Builder to(String pathAndQuery) {
        return HttpRequest.newBuilder(edge.uri().resolve(pathAndQuery));
    }

    static JsonNode json(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }

    @Test
    void routesWithKongPrecedenceAndKeepsThePathAndQueryAsSent() throws Exception {
        String bearer = "Bearer " + token("kedai-auth", 600, signingKey);
        assertThat(send(to("/cart/add").header("Authorization", bearer).POST(HttpRequest.BodyPublishers.ofString("{}")))
                .headers().firstValue("X-Kedai-Service")).hasValue("kedai-stock");
        assertThat(send(to("/cart/additional").header("Authorization", bearer).GET())
                .headers().firstValue("X-Kedai-Service")).hasValue("kedai-cartorder");
        HttpResponse<String> search = send(to("/products?q=red%20shoes&size=2").GET());
        assertThat(json(search).path("service").asText()).isEqualTo("kedai-product");
        assertThat(json(search).path("path").asText()).isEqualTo("/products");
        assertThat(json(search).path("query").asText()).isEqualTo("q=red%20shoes&size=2");
        assertThat(json(search).path("forwarded_for").asText()).isEqualTo("127.0.0.1");
    }

    @Test
    void unknownPathIsKongs404WithTheRequestId() throws Exception {
        HttpResponse<String> response = send(to("/observe/health/ready").GET());

        assertThat(response.statusCode()).isEqualTo(404);
        String id = response.headers().firstValue("X-Request-ID").orElseThrow();
        assertThat(json(response)).isEqualTo(JSON.readTree(
                "{\"message\":\"no Route matched with those values\",\"request_id\":\"" + id + "\"}"));
    }

    @Test
    void theClientsRequestIdTravelsUpstreamAndBack() throws Exception {
        HttpResponse<String> response = send(to("/stock").header("X-Request-ID", "trace-42").GET());

        assertThat(response.headers().allValues("X-Request-ID")).as("the edge's echo, not beside the service's own")
                .containsExactly("trace-42");
        assertThat(json(response).path("request_id").asText()).isEqualTo("trace-42");
    }

    @Test
    void protectedRouteWithoutTokenIs401BeforeTheServiceIsReached() throws Exception {
        int before = HITS.get("kedai-cartorder").get();

        HttpResponse<String> response = send(to("/cart").GET());

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(json(response)).isEqualTo(JSON.readTree("{\"message\":\"Unauthorized\"}"));
        assertThat(HITS.get("kedai-cartorder").get()).isEqualTo(before);
    }

    @Test
    void jwtChecksOfKong() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair stranger = generator.generateKeyPair();
        Map<String, String> expected = Map.of(
                token("kedai-auth", 600, stranger), "{\"message\":\"Invalid signature\"}",
                token("kedai-auth", -5, signingKey), "{\"exp\":\"token expired\"}",
                token("kedai-auth", 3600, signingKey), "{\"exp\":\"exceeds maximum allowed expiration\"}",
                // Kong picks the credential by kid: a key id auth does not publish has none
                token("kedai-auth", 600, signingKey, "retired-key"), "{\"message\":\"No credentials found for given 'kid'\"}",
                "not-a-jwt", "{\"message\":\"Bad token; invalid JWT\"}");
        int before = HITS.get("kedai-cartorder").get();
        for (Map.Entry<String, String> e : expected.entrySet()) {
            HttpResponse<String> response = send(to("/order").header("Authorization", "Bearer " + e.getKey()).GET());
            assertThat(response.statusCode()).as(e.getValue()).isEqualTo(401);
            assertThat(json(response)).isEqualTo(JSON.readTree(e.getValue()));
        }
        assertThat(HITS.get("kedai-cartorder").get()).isEqualTo(before);

        HttpResponse<String> ok = send(to("/order").header("Authorization", "Bearer " + token("kedai-auth", 900, signingKey)).GET());
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(json(ok).path("consumer").asText()).isEqualTo("kedai-auth");
        assertThat(json(ok).path("authorization").asText()).startsWith("Bearer ");
    }

    @Test
    void bodiesOverOneMebibyteAre413WithOrWithoutContentLength() throws Exception {
        String bearer = "Bearer " + token("kedai-auth", 600, signingKey);
        byte[] big = new byte[1024 * 1024 + 1];
        int before = HITS.get("kedai-product").get();

        HttpResponse<String> declared = send(to("/products").header("Authorization", bearer).expectContinue(true)
                .POST(HttpRequest.BodyPublishers.ofByteArray(big)));
        HttpResponse<String> chunked = send(to("/products").header("Authorization", bearer)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))));

        for (HttpResponse<String> response : List.of(declared, chunked)) {
            assertThat(response.statusCode()).isEqualTo(413);
            assertThat(json(response).path("message").asText()).isEqualTo("Request size limit exceeded");
            assertThat(json(response).path("request_id").asText()).isNotBlank();
        }
        assertThat(HITS.get("kedai-product").get()).isEqualTo(before);

        byte[] justUnder = new byte[1024 * 1024];
        HttpResponse<String> streamed = send(to("/products").header("Authorization", bearer)
                .POST(HttpRequest.BodyPublishers.ofByteArray(justUnder)));
        assertThat(json(streamed).path("body_length").asLong()).isEqualTo(justUnder.length);
        HttpResponse<String> chunkedOk = send(to("/products").header("Authorization", bearer)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(justUnder))));
        assertThat(json(chunkedOk).path("body_length").asLong()).isEqualTo(justUnder.length);
    }

    /** The strict limit of login/register (per client address), from an address of its own. */
    @Test
    void loginLimitAnswers429WithRetryAfterAndKongsHeaders() throws Exception {
        long limit = KongManifestsTest.MANIFESTS.plugins().get("kedai-rate-limit-strict").config().path("minute").asLong();
        HttpClient fromOwnAddress = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .localAddress(InetAddress.getByName("127.0.0.23")).build();
        HttpResponse<String> rejected = null;
        long expectedRemaining = limit - 1;
        for (int i = 0; i < 3 * limit && rejected == null; i++) {
            HttpResponse<String> r = fromOwnAddress.send(to("/auth/login")
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 429) {
                rejected = r;
                break;
            }
            long remaining = Long.parseLong(r.headers().firstValue("X-RateLimit-Remaining-Minute").orElseThrow());
            if (remaining > expectedRemaining) {
                expectedRemaining = remaining;   // a new minute began while we counted
            }
            assertThat(remaining).isEqualTo(expectedRemaining);
            assertThat(r.headers().firstValue("X-RateLimit-Limit-Minute")).hasValue(String.valueOf(limit));
            assertThat(r.headers().firstValue("RateLimit-Limit")).isPresent();
            expectedRemaining--;
        }
        assertThat(rejected).as("429 after " + limit + " logins in a minute").isNotNull();
        long retryAfter = Long.parseLong(rejected.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, 60L);
        assertThat(rejected.headers().firstValue("RateLimit-Remaining")).hasValue("0");
        assertThat(rejected.headers().firstValue("X-RateLimit-Remaining-Minute")).hasValue("0");
        assertThat(json(rejected).path("message").asText()).isEqualTo("API rate limit exceeded");
        assertThat(json(rejected).path("request_id").asText()).isNotBlank();

        // another address is not limited by it
        HttpResponse<String> other = send(to("/auth/login").POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(other.statusCode()).isEqualTo(200);
    }

    /**
     * Issue 14: /auth/%6cogin reached login under the /auth prefix's loose limit. Every spelling of
     * a path is routed as Kong routes it, normalised: the strict limit and the plain path upstream.
     */
    @Test
    void everySpellingOfLoginIsRoutedAsLoginUnderTheStrictLimit() throws Exception {
        long strict = KongManifestsTest.MANIFESTS.plugins().get("kedai-rate-limit-strict").config().path("minute").asLong();
        List<String> spellings = List.of("/auth/%6cogin", "/%61uth/login", "/auth/./login", "/auth/x/../login",
                "//auth//login", "/auth/%2e%2e/auth/login");
        for (int i = 0; i < spellings.size(); i++) {
            // each from its own address, so the strict limit of one does not answer for the next
            HttpClient own = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .localAddress(InetAddress.getByName("127.0.0.1" + (30 + i))).build();
            HttpResponse<String> r = own.send(HttpRequest.newBuilder(URI.create(edge.uri() + spellings.get(i)))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(spellings.get(i)).isEqualTo(200);
            assertThat(r.headers().firstValue("X-RateLimit-Limit-Minute")).as(spellings.get(i)).hasValue(String.valueOf(strict));
            assertThat(json(r).path("path").asText()).as(spellings.get(i)).isEqualTo("/auth/login");
        }
        assertThat(KongPath.normalize("/auth/login%3bx")).isEqualTo("/auth/login%3Bx");
        assertThat(KongPath.normalize("/cart/a%2Fb")).isEqualTo("/cart/a%2Fb");
        assertThat(KongPath.normalize("/a/b/")).isEqualTo("/a/b/");
        assertThat(KongPath.normalize("/../..")).isEqualTo("/");
        // the already-normal paths (most requests) come back as they are; a dot that starts no segment stays
        assertThat(KongPath.normalize("/products")).isEqualTo("/products");
        assertThat(KongPath.normalize("/")).isEqualTo("/");
        assertThat(KongPath.normalize("/a/b..c/d.")).isEqualTo("/a/b..c/d.");
        assertThat(KongPath.normalize("/a/.well-known")).isEqualTo("/a/.well-known");
        assertThat(KongPath.normalize("/a/.")).isEqualTo("/a/");
        assertThat(KongPath.normalize("/a//")).isEqualTo("/a/");
    }

    @Test
    void corsPreflightIsAnsweredAtTheEdgeForAllowedOrigins() throws Exception {
        int before = HITS.get("kedai-cartorder").get();
        HttpResponse<String> preflight = send(to("/cart").method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "http://localhost:3000").header("Access-Control-Request-Method", "DELETE"));

        assertThat(preflight.statusCode()).isEqualTo(200);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://localhost:3000");
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods").orElseThrow()).contains("DELETE");
        assertThat(HITS.get("kedai-cartorder").get()).isEqualTo(before);

        HttpResponse<String> read = send(to("/categories").header("Origin", "http://evil.example").GET());
        assertThat(read.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }

    @Test
    void oneAccessLogLinePerRequest() throws Exception {
        String id = "log-" + System.nanoTime();
        send(to("/stock/p-9").header("X-Request-ID", id).GET());
        send(to("/nowhere").header("X-Request-ID", id + "-404").GET());

        Path log = edge.accessLogFile();
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(log)
                && Files.readString(log).contains(id + "-404"));
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            JsonNode entry = JSON.readTree(line);
            if (entry.path("request_id").asText().startsWith(id)) {
                lines.add(entry);
            }
        }
        assertThat(lines).hasSize(2);
        JsonNode proxied = lines.stream().filter(l -> l.path("request_id").asText().equals(id)).findFirst().orElseThrow();
        assertThat(proxied.path("method").asText()).isEqualTo("GET");
        assertThat(proxied.path("path").asText()).isEqualTo("/stock/p-9");
        assertThat(proxied.path("status").asInt()).isEqualTo(200);
        assertThat(proxied.path("upstream").asText()).isEqualTo("kedai-stock");
        assertThat(proxied.path("latency_ms").asDouble()).isPositive();
        JsonNode unmatched = lines.stream().filter(l -> !l.equals(proxied)).findFirst().orElseThrow();
        assertThat(unmatched.path("status").asInt()).isEqualTo(404);
        assertThat(unmatched.path("upstream").asText()).isEqualTo("-");
    }

    @Test
    void aBackendThatIsNotRunningIs502InKongsShape() throws Exception {
        Map<String, URI> services = new HashMap<>();
        for (String service : SERVICES) {
            services.put(service, URI.create("http://127.0.0.1:1"));
        }
        try (DevEdge dead = DevEdge.start(new EdgeSettings(0, KongManifestsTest.DIR, services,
                URI.create("http://127.0.0.1:1/auth/jwks"), logs.resolve("dead.log"), true))) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(dead.uri().resolve("/stock")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(502);
            assertThat(json(response).path("message").asText())
                    .isEqualTo("An invalid response was received from the upstream server");
        }
    }
}

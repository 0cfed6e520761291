package dev.kedai.devstack.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.Socket;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dev edge's behaviours that need time or a broken world: the general and the strict rate
 * limits over their whole windows (a clock the test moves, so no window can roll over by
 * accident), the JWKS fetched again when a token names a key id it does not know (auth rotated
 * its key), 504 when a service does not answer in time, and refusing to start on manifests it
 * cannot honour. The services are one stand-in upstream; the manifests are kong-ingress/.
 */
class DevEdgeFaultsTest {
    static final List<String> SERVICES = List.of("kedai-auth", "kedai-user", "kedai-product", "kedai-stock",
            "kedai-cartorder");
    static final CountDownLatch NEVER = new CountDownLatch(1);
    static final AtomicInteger JWKS_FETCHES = new AtomicInteger();
    /** kid → key pair, as auth publishes them. */
    static final Map<String, KeyPair> PUBLISHED = new ConcurrentHashMap<>();
    static final AtomicReference<Instant> NOW = new AtomicReference<>(Instant.parse("2026-12-03T10:00:00Z"));

    static WebServer upstream;
    static Map<String, URI> services;
    static DevEdge limited;
    static DevEdge edge;
    @TempDir
    static Path logs;

    @BeforeAll
    static void start() throws Exception {
        upstream = WebServer.builder().host("127.0.0.1").port(0).routing(r -> r
                .get("/auth/jwks", (req, res) -> {
                    JWKS_FETCHES.incrementAndGet();
                    res.send(jwks());
                })
                .get("/stock/stall", (req, res) -> {
                    NEVER.await(30, TimeUnit.SECONDS);
                    res.send("too late");
                })
                .any((req, res) -> {
                    res.header("X-Kedai-Service", "stand-in");
                    res.send("{}");
                })).build().start();
        URI base = URI.create("http://127.0.0.1:" + upstream.port());
        services = new HashMap<>();
        SERVICES.forEach(s -> services.put(s, base));
        Clock moved = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return NOW.get();
            }
        };
        limited = DevEdge.start(settings(KongManifestsTest.DIR, true), moved, Duration.ofSeconds(60));
        edge = DevEdge.start(settings(KongManifestsTest.DIR, false), Clock.systemUTC(), Duration.ofMillis(500));
    }

    @AfterAll
    static void stop() {
        NEVER.countDown();
        Stream.of(limited, edge).filter(java.util.Objects::nonNull).forEach(DevEdge::close);
        if (upstream != null) {
            upstream.stop();
        }
    }

    static EdgeSettings settings(Path manifests, boolean rateLimits) {
        return new EdgeSettings(0, manifests, services, URI.create("http://127.0.0.1:" + upstream.port() + "/auth/jwks"),
                logs.resolve("edge-" + System.nanoTime() + ".log"), rateLimits);
    }

    // ---- rate limits

    /** kedai-rate-limit (all routes but login/register): per second, then per minute, per address. */
    @Test
    void theGeneralLimitHoldsPerSecondAndPerMinute() throws Exception {
        HttpClient client = from("127.0.0.41");
        long perSecond = limit("kedai-rate-limit", "second");
        long perMinute = limit("kedai-rate-limit", "minute");
        Instant minute = Instant.parse("2026-12-03T10:00:00Z");
        NOW.set(minute);

        long accepted = 0;
        for (int i = 0; i < perSecond; i++) {
            assertThat(get(client, limited, "/stock").statusCode()).isEqualTo(200);
            accepted++;
        }
        HttpResponse<String> overSecond = get(client, limited, "/stock");
        assertRejected(overSecond, 1);
        assertThat(overSecond.headers().firstValue("X-RateLimit-Remaining-Second")).hasValue("0");

        // a second later there is room again, until the minute is used up
        int second = 0;
        while (accepted < perMinute) {
            NOW.set(minute.plusSeconds(++second));
            for (int i = 0; i < perSecond && accepted < perMinute; i++) {
                HttpResponse<String> r = get(client, limited, "/stock");
                assertThat(r.statusCode()).as("request %d of the minute", accepted + 1).isEqualTo(200);
                accepted++;
            }
        }
        NOW.set(minute.plusSeconds(++second));
        HttpResponse<String> overMinute = get(client, limited, "/stock");
        assertRejected(overMinute, 60 - second);
        assertThat(overMinute.headers().firstValue("X-RateLimit-Remaining-Minute")).hasValue("0");
        // another address is not limited by it, and the next minute this one is not either
        assertThat(get(from("127.0.0.42"), limited, "/stock").statusCode()).isEqualTo(200);
        NOW.set(minute.plusSeconds(60));
        assertThat(get(client, limited, "/stock").statusCode()).isEqualTo(200);
    }

    /** kedai-rate-limit-strict (login, register): per minute, then per hour, per address. */
    @Test
    void theStrictLimitHoldsPerMinuteAndPerHour() throws Exception {
        HttpClient client = from("127.0.0.43");
        long perMinute = limit("kedai-rate-limit-strict", "minute");
        long perHour = limit("kedai-rate-limit-strict", "hour");
        Instant hour = Instant.parse("2026-12-03T12:00:00Z");
        NOW.set(hour);

        long accepted = 0;
        int minute = 0;
        while (accepted < perHour) {
            NOW.set(hour.plusSeconds(60L * minute++));
            for (int i = 0; i < perMinute; i++) {
                assertThat(login(client).statusCode()).as("login %d of the hour", accepted + 1).isEqualTo(200);
                accepted++;
            }
            if (accepted < perHour) {
                assertRejected(login(client), 60);
            }
        }
        NOW.set(hour.plusSeconds(60L * minute));
        HttpResponse<String> overHour = login(client);
        assertRejected(overHour, 3600 - 60L * minute);
        assertThat(overHour.headers().firstValue("X-RateLimit-Remaining-Hour")).hasValue("0");
        NOW.set(hour.plusSeconds(3600));
        assertThat(login(client).statusCode()).isEqualTo(200);
    }

    static void assertRejected(HttpResponse<String> response, long retryAfter) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(429);
        assertThat(response.headers().firstValue("Retry-After")).hasValue(String.valueOf(retryAfter));
        assertThat(response.body()).contains("API rate limit exceeded");
    }

    static long limit(String plugin, String period) {
        return KongManifestsTest.MANIFESTS.plugins().get(plugin).config().path(period).asLong();
    }

    static HttpResponse<String> login(HttpClient client) throws Exception {
        return client.send(HttpRequest.newBuilder(limited.uri().resolve("/auth/login"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    // ---- JWKS

    @Test
    void aTokenSignedWithAKeyTheEdgeHasNotSeenMakesItFetchTheJwksAgain() throws Exception {
        KeyPair first = rsa();
        PUBLISHED.put("first", first);
        HttpClient client = HttpClient.newHttpClient();
        assertThat(get(client, edge, "/cart", token("first", first)).statusCode()).isEqualTo(200);

        // auth rotates: a new key, published beside the old one
        KeyPair second = rsa();
        PUBLISHED.put("second", second);
        int fetches = JWKS_FETCHES.get();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                .until(() -> get(client, edge, "/cart", token("second", second)).statusCode() == 200);
        assertThat(JWKS_FETCHES.get()).isGreaterThan(fetches);
        assertThat(get(client, edge, "/cart", token("first", first)).statusCode()).isEqualTo(200);

        // a burst of tokens naming unknown keys cannot make the edge hammer auth
        int before = JWKS_FETCHES.get();
        long started = System.nanoTime();
        for (int i = 0; i < 30; i++) {
            HttpResponse<String> r = get(client, edge, "/cart", token("nobody-" + i, second));
            assertThat(r.statusCode()).isEqualTo(401);
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        assertThat(JWKS_FETCHES.get() - before).as("fetches in %d s", seconds)
                .isLessThanOrEqualTo((int) (seconds / JwksKeys.MIN_REFRESH.toSeconds()) + 1);
    }

    // ---- upstream too slow

    @Test
    void aServiceThatDoesNotAnswerInTimeIs504InKongsShape() throws Exception {
        HttpResponse<String> response = get(HttpClient.newHttpClient(), edge, "/stock/stall");

        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(response.body()).contains("\"message\":\"The upstream server is timing out\"");
        assertThat(response.headers().firstValue("X-Request-ID")).isPresent();
    }

    // ---- manifests it cannot honour

    /**
     * A request that arrives as the stopping edge interrupts its connection (Helidon does that to
     * a connection it takes for idle) is relayed and answered once: without the filter the first
     * request below fails in its blocking call and the second is followed by a stray 500.
     */
    @Test
    void aRequestInterruptedByTheStopAsItArrivesGetsItsAnswerAndNothingElse() throws Exception {
        WebServer server = WebServer.builder().host("127.0.0.1").port(0)
                .routing(r -> r
                        .addFilter((chain, req, res) -> {
                            if (req.path().path().equals("/before")) {
                                Thread.currentThread().interrupt();
                            }
                            chain.proceed();
                        })
                        .addFilter(DevEdge.clearStopInterrupt())
                        .post("/before", (req, res) -> {
                            Thread.sleep(1);   // a blocking call of the relay
                            res.send("relayed " + req.content().as(String.class));
                        })
                        .post("/after", (req, res) -> {
                            String body = req.content().as(String.class);
                            Thread.currentThread().interrupt();
                            res.send("relayed " + body);
                        }))
                .build().start();
        try {
            for (String path : List.of("/before", "/after")) {
                try (Socket socket = new Socket("127.0.0.1", server.port())) {
                    socket.setSoTimeout(5_000);
                    socket.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab")
                            .getBytes(StandardCharsets.US_ASCII));
                    socket.shutdownOutput();   // no next request: all that comes back answers this one
                    String answers = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                    assertThat(answers).as(path).startsWith("HTTP/1.1 200").contains("relayed ab");
                    assertThat(answers.split("HTTP/1\\.1 ", -1)).as("%s: one answer, no stray 500: %s", path, answers).hasSize(2);
                }
            }
        } finally {
            server.stop();
        }
    }

    @Test
    void refusesToStartOnManifestsItCannotHonour(@TempDir Path dir) throws Exception {
        Map<String, UnaryOperator<String>> breakIngresses = Map.of(
                "references KongPlugin kedai-nope", y -> y.replaceFirst("kedai-rate-limit,kedai-cors", "kedai-nope,kedai-cors"),
                "only the port named http", y -> y.replaceFirst("name: http", "name: admin"),
                "which the devstack does not run", y -> y.replaceFirst("name: kedai-auth(\\s+)port:", "name: kedai-payments$1port:"),
                "konghq.com/strip-path: \"false\"", y -> y.replaceFirst("strip-path: \"false\"", "strip-path: \"true\""));
        for (Map.Entry<String, UnaryOperator<String>> broken : breakIngresses.entrySet()) {
            Path copy = copy(dir.resolve("i" + Math.abs(broken.getKey().hashCode())), "ingresses.yaml", broken.getValue());
            assertThatThrownBy(() -> DevEdge.start(settings(copy, true)).close()).as(broken.getKey())
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining(broken.getKey());
        }
        Path unsupported = copy(dir.resolve("plugin"), "plugins.yaml", y -> y.replaceFirst("plugin: cors", "plugin: ip-restriction"));
        assertThatThrownBy(() -> DevEdge.start(settings(unsupported, true)).close())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("does not implement Kong plugin ip-restriction");
    }

    static Path copy(Path to, String file, UnaryOperator<String> change) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(KongManifestsTest.DIR)) {
            for (Path f : files.toList()) {
                String text = Files.readString(f);
                Files.writeString(to.resolve(f.getFileName()), f.getFileName().toString().equals(file) ? change.apply(text) : text);
            }
        }
        assertThat(Files.readString(to.resolve(file))).isNotEqualTo(Files.readString(KongManifestsTest.DIR.resolve(file)));
        return to;
    }

    // ---- helpers

    static HttpClient from(String address) throws IOException {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).localAddress(InetAddress.getByName(address)).build();
    }

    static HttpResponse<String> get(HttpClient client, DevEdge to, String path, String... bearer) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(to.uri().resolve(path)).timeout(Duration.ofSeconds(10)).GET();
        if (bearer.length > 0) {
            request.header("Authorization", "Bearer " + bearer[0]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static KeyPair rsa() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    static String jwks() throws Exception {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        List<Map<String, String>> keys = new ArrayList<>();
        PUBLISHED.forEach((kid, pair) -> {
            RSAPublicKey key = (RSAPublicKey) pair.getPublic();
            keys.add(Map.of("kty", "RSA", "kid", kid, "alg", "RS256", "use", "sig",
                    "n", b64.encodeToString(unsigned(key.getModulus())), "e", b64.encodeToString(unsigned(key.getPublicExponent()))));
        });
        return DevEdgeTest.JSON.writeValueAsString(Map.of("keys", keys));
    }

    static byte[] unsigned(BigInteger n) {
        byte[] bytes = n.toByteArray();
        return bytes[0] == 0 ? java.util.Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
    }

    static String token(String kid, KeyPair key) throws Exception {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString(DevEdgeTest.JSON.writeValueAsBytes(Map.of("alg", "RS256", "kid", kid, "typ", "JWT")));
        long now = Instant.now().getEpochSecond();
        String claims = b64.encodeToString(DevEdgeTest.JSON.writeValueAsBytes(Map.of("iss", "kedai-auth", "sub", "u-1",
                "aud", "kedai", "iat", now, "exp", now + 600)));
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initSign(key.getPrivate());
        rsa.update((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
        return header + "." + claims + "." + b64.encodeToString(rsa.sign());
    }
}

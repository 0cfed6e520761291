package dev.kedai.devstack.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the edge does with bodies on the way through: a large answer and a large request body
 * arrive whole, answers without a body stay without one, and relaying a body costs the edge
 * about one copy of it, not a multiple (Helidon 4.1.7's WebClient, the edge's upstream client
 * before, formatted a hex dump of every buffer it read: issue 16). One stand-in upstream serves
 * every Kedai Service; the manifests are kong-ingress/.
 */
class DevEdgeRelayTest {
    static final int BIG = 4 << 20;
    static final int SMALL = 7 * 1024;
    static final java.util.concurrent.CountDownLatch SLOW_ARRIVED = new java.util.concurrent.CountDownLatch(1);   // about a catalog page: relayed as one array, not streamed
    static final byte[] BODY = new byte[BIG];
    static WebServer upstream;
    static DevEdge edge;
    static HttpClient http;
    @TempDir
    static Path logs;

    @BeforeAll
    static void start() {
        new Random(16).nextBytes(BODY);
        upstream = WebServer.builder().host("127.0.0.1").port(0).routing(r -> r
                .get("/products/big", (req, res) -> {
                    res.header(HeaderNames.CONTENT_TYPE, "application/octet-stream");
                    res.header("X-Kedai-Service", "stand-in");
                    res.send(BODY);
                })
                .head("/products/big", (req, res) -> {
                    res.header(HeaderNames.CONTENT_TYPE, "application/octet-stream");
                    res.send();
                })
                .get("/products/small", (req, res) -> {
                    res.header(HeaderNames.CONTENT_TYPE, "application/json");
                    res.headers().add(HeaderNames.SET_COOKIE, "a=1");
                    res.headers().add(HeaderNames.SET_COOKIE, "b=2");
                    res.send(java.util.Arrays.copyOf(BODY, SMALL));
                })
                .get("/stock/none", (req, res) -> res.status(204).send())
                .post("/auth/slow", (req, res) -> {
                    req.content().consume();
                    SLOW_ARRIVED.countDown();
                    Thread.sleep(1_500);   // the slow upstream under test: its answer is on its way when the edge stops
                    res.send("added");
                })
                .post("/auth/echo", (req, res) -> {
                    MessageDigest sha = MessageDigest.getInstance("SHA-256");
                    long length = 0;
                    try (InputStream in = req.content().inputStream()) {
                        byte[] buffer = new byte[8192];
                        int n;
                        while ((n = in.read(buffer)) >= 0) {
                            sha.update(buffer, 0, n);
                            length += n;
                        }
                    }
                    res.send(length + " " + HexFormat.of().formatHex(sha.digest()) + " "
                            + req.headers().first(HeaderNames.CONTENT_TYPE).orElse("-"));
                })).build().start();
        URI base = URI.create("http://127.0.0.1:" + upstream.port());
        Map<String, URI> services = new HashMap<>();
        DevEdgeFaultsTest.SERVICES.forEach(s -> services.put(s, base));
        edge = DevEdge.start(new EdgeSettings(0, KongManifestsTest.DIR, services, base.resolve("/auth/jwks"),
                logs.resolve("edge.log"), false));
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        if (edge != null) {
            edge.close();
        }
        if (upstream != null) {
            upstream.stop();
        }
    }

    @Test
    void aLargeAnswerArrivesWholeWithItsHeaders() throws Exception {
        HttpResponse<byte[]> response = get(edge.uri(), "/products/big");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(sha256(response.body())).isEqualTo(sha256(BODY));
        assertThat(response.headers().firstValue("Content-Length")).hasValue(String.valueOf(BIG));
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
        assertThat(response.headers().firstValue("X-Kedai-Service")).hasValue("stand-in");
        assertThat(response.headers().firstValue("Via")).hasValue("1.1 kedai-dev-edge");
    }

    @Test
    void aLargeRequestBodyArrivesWholeWithItsType() throws Exception {
        byte[] sent = java.util.Arrays.copyOf(BODY, 900 * 1024);   // under the 1 MiB request-size limit
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(edge.uri().resolve("/auth/echo"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/x-kedai-test")
                .POST(HttpRequest.BodyPublishers.ofByteArray(sent)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(sent.length + " " + sha256(sent) + " application/x-kedai-test");
    }

    @Test
    void aSmallAnswerArrivesWholeWithEveryHeader() throws Exception {
        HttpResponse<byte[]> response = get(edge.uri(), "/products/small");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(java.util.Arrays.copyOf(BODY, SMALL));
        assertThat(response.headers().firstValue("Content-Length")).hasValue(String.valueOf(SMALL));
        assertThat(response.headers().allValues("Set-Cookie")).containsExactly("a=1", "b=2");
        assertThat(response.headers().firstValue("Via")).hasValue("1.1 kedai-dev-edge");
    }

    /**
     * An instance that breaks off before the whole body its Content-Length announced: nothing has
     * gone to the client yet, so it gets Kong's 502, not a 200 whose body ends early.
     */
    @Test
    void anAnswerCutShortBeforeTheClientSawItIsA502() throws Exception {
        try (java.net.ServerSocket broken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                while (!broken.isClosed()) {
                    try (java.net.Socket s = broken.accept()) {
                        s.getInputStream().read(new byte[8192]);
                        s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                + "Content-Length: 5000\r\n\r\n{\"items\":[").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                        s.getOutputStream().flush();
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            URI base = URI.create("http://127.0.0.1:" + broken.getLocalPort());
            Map<String, URI> services = new HashMap<>();
            DevEdgeFaultsTest.SERVICES.forEach(s -> services.put(s, base));
            try (DevEdge cutEdge = DevEdge.start(new EdgeSettings(0, KongManifestsTest.DIR, services,
                    base.resolve("/auth/jwks"), logs.resolve("cut-edge.log"), false))) {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(cutEdge.uri().resolve("/products/x"))
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());

                assertThat(response.statusCode()).isEqualTo(502);
                assertThat(response.body()).contains("An invalid response was received from the upstream server");
            }
        }
    }

    /**
     * An instance that closes a keep-alive connection right after its answer (it stopped, or timed
     * the connection out): the edge's next request on that pooled connection is lost before any
     * answer, so it is sent once more on a new connection instead of being answered 502 — even with
     * one instance, where Kong's own retry to the next instance cannot help.
     */
    @Test
    void aRequestAClosedKeepAliveConnectionLostIsSentAgainOnANewOne() throws Exception {
        java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.Semaphore closed = new java.util.concurrent.Semaphore(0);
        try (java.net.ServerSocket closing = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                while (!closing.isClosed()) {
                    try (java.net.Socket s = closing.accept()) {
                        connections.incrementAndGet();
                        readHead(s.getInputStream());
                        s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                        s.getOutputStream().flush();
                    } catch (java.io.IOException e) {
                        return;
                    }
                    closed.release();   // answered with keep-alive, then closed
                }
            });
            URI base = URI.create("http://127.0.0.1:" + closing.getLocalPort());
            Map<String, URI> services = new HashMap<>();
            DevEdgeFaultsTest.SERVICES.forEach(s -> services.put(s, base));
            try (DevEdge closingEdge = DevEdge.start(new EdgeSettings(0, KongManifestsTest.DIR, services,
                    base.resolve("/auth/jwks"), logs.resolve("closing-edge.log"), false))) {
                assertThat(get(closingEdge.uri(), "/products/x").statusCode()).isEqualTo(200);
                assertThat(closed.tryAcquire(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

                HttpResponse<byte[]> second = get(closingEdge.uri(), "/products/x");

                assertThat(second.statusCode()).as(new String(second.body())).isEqualTo(200);
                assertThat(new String(second.body())).isEqualTo("ok");
                assertThat(connections).as("the second went out again on a new connection").hasValue(2);
            }
        }
    }

    // reads a request head (a GET has no body), so the answer follows the whole request
    private static void readHead(InputStream in) throws java.io.IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        int b;
        while (matched < 4 && (b = in.read()) >= 0) {
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
    }

    /** A request in flight when the edge stops gets its answer (it was interrupted after 0.5 s). */
    @Test
    void aRequestInFlightWhenTheEdgeStopsGetsItsAnswer() throws Exception {
        URI base = URI.create("http://127.0.0.1:" + upstream.port());
        Map<String, URI> services = new HashMap<>();
        DevEdgeFaultsTest.SERVICES.forEach(s -> services.put(s, base));
        DevEdge stopping = DevEdge.start(new EdgeSettings(0, KongManifestsTest.DIR, services, base.resolve("/auth/jwks"),
                logs.resolve("stopping-edge.log"), false));
        java.util.concurrent.CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(
                HttpRequest.newBuilder(stopping.uri().resolve("/auth/slow")).timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(SLOW_ARRIVED.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        stopping.close();   // the stand-in answers 1.5 s after the request arrived

        HttpResponse<String> answer = inFlight.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("added");
    }

    @Test
    void answersWithoutABodyStayWithoutOne() throws Exception {
        HttpResponse<byte[]> none = get(edge.uri(), "/stock/none");
        assertThat(none.statusCode()).isEqualTo(204);
        assertThat(none.body()).isEmpty();

        HttpResponse<byte[]> head = http.send(HttpRequest.newBuilder(edge.uri().resolve("/products/big"))
                .timeout(Duration.ofSeconds(30)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        // and the connection is still good for the next request
        assertThat(get(edge.uri(), "/products/big").body()).hasSize(BIG);
    }

    /**
     * Heap bytes allocated by the whole JVM (the test client, the stand-in and the edge alike)
     * while fetching the 4 MiB body through the edge, less the same fetches straight from the
     * stand-in: what the edge alone allocated. Reading and writing the body once each costs about
     * 1-2 copies; the WebClient's hex dumps cost more than ten.
     */
    @Test
    void relayingABodyCostsTheEdgeAboutOneCopyOfIt() throws Exception {
        URI direct = URI.create("http://127.0.0.1:" + upstream.port());
        int rounds = 4;
        // warm both paths (connections, classes, JIT) before counting
        for (int i = 0; i < 2; i++) {
            get(direct, "/products/big");
            get(edge.uri(), "/products/big");
        }
        long straight = allocatedWhile(() -> get(direct, "/products/big"), rounds);
        long through = allocatedWhile(() -> get(edge.uri(), "/products/big"), rounds);

        double perBodyByte = (double) (through - straight) / rounds / BIG;
        assertThat(perBodyByte).as("bytes the edge allocates per body byte relayed (direct %d, via edge %d per round)",
                straight / rounds, through / rounds).isLessThan(4.0);
    }

    interface Fetch {
        HttpResponse<byte[]> run() throws Exception;
    }

    static long allocatedWhile(Fetch fetch, int rounds) throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getTotalThreadAllocatedBytes();
        for (int i = 0; i < rounds; i++) {
            assertThat(fetch.run().body()).hasSize(BIG);
        }
        return threads.getTotalThreadAllocatedBytes() - before;
    }

    static HttpResponse<byte[]> get(URI base, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}

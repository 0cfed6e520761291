package dev.kedai.devstack.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances of kedai-stock and kedai-auth behind the dev edge (real HTTP servers, each with
 * an admin-style readiness endpoint): requests are spread round robin, and an instance that is
 * stopped or not ready gets none, as with Kong's ring balancer and health checks.
 */
class DevEdgeBalancingTest {
    @TempDir
    Path logs;

    private final List<Instance> stock = new ArrayList<>();
    private final List<Instance> auth = new ArrayList<>();
    private final List<WebServer> others = new ArrayList<>();
    private DevEdge edge;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** One instance: its HTTP server counting the requests it answers, and its readiness endpoint. */
    static final class Instance {
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger probes = new AtomicInteger();
        final AtomicBoolean ready = new AtomicBoolean(true);
        final WebServer server;
        final WebServer admin;

        Instance() {
            server = WebServer.builder().host("127.0.0.1").port(0).routing(r -> r.any((req, res) -> {
                requests.incrementAndGet();
                res.send(req.content().hasEntity() ? req.content().as(String.class) : "ok");
            })).build().start();
            admin = WebServer.builder().host("127.0.0.1").port(0).routing(r -> r.get("/observe/health/ready",
                    (req, res) -> {
                        probes.incrementAndGet();
                        res.status(ready.get() ? 200 : 503).send();
                    })).build().start();
        }

        UpstreamTarget target() {
            return new UpstreamTarget(URI.create("http://127.0.0.1:" + server.port()),
                    Optional.of(URI.create("http://127.0.0.1:" + admin.port() + "/observe/health/ready")));
        }

        void stop() {
            server.stop();
            admin.stop();
        }
    }

    @BeforeEach
    void start() {
        Map<String, List<UpstreamTarget>> upstreams = new HashMap<>();
        for (int i = 0; i < 2; i++) {
            stock.add(new Instance());
            auth.add(new Instance());
        }
        upstreams.put("kedai-stock", stock.stream().map(Instance::target).toList());
        upstreams.put("kedai-auth", auth.stream().map(Instance::target).toList());
        for (String service : List.of("kedai-user", "kedai-product", "kedai-cartorder")) {
            WebServer other = WebServer.builder().host("127.0.0.1").port(0).routing(r -> r.any((req, res) -> res.send("ok")))
                    .build().start();
            others.add(other);
            upstreams.put(service, List.of(UpstreamTarget.unprobed(URI.create("http://127.0.0.1:" + other.port()))));
        }
        edge = DevEdge.start(new EdgeSettings("127.0.0.1", 0, KongManifestsTest.DIR, upstreams,
                URI.create("http://127.0.0.1:1/auth/jwks"), logs.resolve("edge.log"), false, EdgeTrace.OFF));
    }

    @AfterEach
    void stop() {
        if (edge != null) {
            edge.close();
        }
        stock.forEach(Instance::stop);
        auth.forEach(Instance::stop);
        others.forEach(WebServer::stop);
    }

    @Test
    void requestsAreSpreadRoundRobinOverTheInstances() throws Exception {
        for (int i = 0; i < 10; i++) {
            assertThat(get("/stock/p-" + i).statusCode()).isEqualTo(200);
        }
        assertThat(stock.get(0).requests.get()).isEqualTo(5);
        assertThat(stock.get(1).requests.get()).isEqualTo(5);
    }

    /** Killed: its connections are refused, and each request goes on to the other instance (a POST too). */
    @Test
    void aStoppedInstanceIsSkippedAndNoRequestFails() throws Exception {
        for (int i = 0; i < 4; i++) {
            assertThat(get("/stock/p-" + i).statusCode()).isEqualTo(200);
            assertThat(login("{\"n\":" + i + "}").statusCode()).isEqualTo(200);
        }
        stock.get(1).stop();
        auth.get(1).stop();
        int stockBefore = stock.get(0).requests.get();
        int authBefore = auth.get(0).requests.get();

        for (int i = 0; i < 10; i++) {
            assertThat(get("/stock/p-" + i).statusCode()).isEqualTo(200);
            HttpResponse<String> login = login("{\"n\":" + i + "}");
            assertThat(login.statusCode()).isEqualTo(200);
            assertThat(login.body()).as("the body reaches the other instance whole").isEqualTo("{\"n\":" + i + "}");
        }
        assertThat(stock.get(0).requests.get() - stockBefore).isEqualTo(10);
        assertThat(auth.get(0).requests.get() - authBefore).isEqualTo(10);
    }

    /** Running but not ready (its readiness probe answers 503): it gets nothing until it is ready again. */
    @Test
    void anInstanceThatIsNotReadyGetsNoRequests() throws Exception {
        Instance notReady = stock.get(1);
        notReady.ready.set(false);
        int probed = notReady.probes.get();
        // the probe loop is sequential: a second probe after the change means the first one's 503 was recorded
        await().atMost(Duration.ofSeconds(30)).until(() -> notReady.probes.get() >= probed + 2);
        int before = notReady.requests.get();

        for (int i = 0; i < 10; i++) {
            assertThat(get("/stock/p-" + i).statusCode()).isEqualTo(200);
        }
        assertThat(notReady.requests.get()).isEqualTo(before);

        notReady.ready.set(true);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            get("/stock/p-again");
            return notReady.requests.get() > before;
        });
    }

    @Test
    void withEveryInstanceStoppedTheAnswerIsKongs502() throws Exception {
        stock.forEach(Instance::stop);
        assertThat(get("/stock/p-1").statusCode()).isEqualTo(502);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(edge.uri().resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> login(String body) throws Exception {
        return http.send(HttpRequest.newBuilder(edge.uri().resolve("/auth/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}

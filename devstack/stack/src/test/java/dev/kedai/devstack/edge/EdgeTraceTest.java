package dev.kedai.devstack.edge;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.kedai.infra.otlp.ReceivedSpan;
import dev.kedai.infra.otlp.TraceStore;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The dev edge as the start of a trace: real edge and upstream on sockets, the traceparent the upstream got. */
class EdgeTraceTest {

    private static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_SPAN = "00f067aa0ba902b7";
    private static final String CLIENT_STATE = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";
    private static final String SEEN_TRACESTATE = "X-Seen-Tracestate";

    @TempDir
    static Path logs;
    private static WebServer upstream;
    private static final TraceStore ALWAYS_SPANS = new TraceStore(100);
    private static final TraceStore NEVER_SPANS = new TraceStore(100);
    private static DevEdge always;
    private static DevEdge never;
    private static DevEdge off;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        // answers with the traceparent it received, and the tracestate in a header
        upstream = WebServer.builder().host("127.0.0.1").port(0).routing(r -> r.any((req, res) -> {
            res.header(SEEN_TRACESTATE, req.headers().first(HeaderNames.create("tracestate")).orElse("none"));
            res.send(req.headers().first(HeaderNames.create("traceparent")).orElse("none"));
        })).build().start();
        Map<String, URI> services = new HashMap<>();
        for (String service : List.of("kedai-auth", "kedai-user", "kedai-product", "kedai-stock", "kedai-cartorder")) {
            services.put(service, URI.create("http://127.0.0.1:" + upstream.port()));
        }
        URI jwks = URI.create("http://127.0.0.1:" + upstream.port() + "/auth/jwks");
        always = DevEdge.start(new EdgeSettings("127.0.0.1", 0, KongManifestsTest.DIR, EdgeSettings.oneInstanceEach(services), jwks, logs.resolve("a.log"), true,
                new EdgeTrace(1.0, span -> ALWAYS_SPANS.add(List.of(span)))));
        never = DevEdge.start(new EdgeSettings("127.0.0.1", 0, KongManifestsTest.DIR, EdgeSettings.oneInstanceEach(services), jwks, logs.resolve("n.log"), true,
                new EdgeTrace(0.0, span -> NEVER_SPANS.add(List.of(span)))));
        off = DevEdge.start(new EdgeSettings(0, KongManifestsTest.DIR, services, jwks, logs.resolve("o.log"), true));
    }

    @AfterAll
    static void stop() {
        for (DevEdge e : new DevEdge[] {always, never, off}) {
            if (e != null) {
                e.close();
            }
        }
        if (upstream != null) {
            upstream.stop();
        }
    }

    private static HttpResponse<String> get(DevEdge edge, String... headers) throws Exception {
        HttpRequest.Builder req = HttpRequest.newBuilder(edge.uri().resolve("/products?q=kopi"));
        if (headers.length > 0) {
            req.headers(headers);
        }
        return HTTP.send(req.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String seenTracestate(HttpResponse<String> res) {
        return res.headers().firstValue(SEEN_TRACESTATE).orElseThrow();
    }

    // the edge records its span once the answer is out, so possibly after the client has it
    private static ReceivedSpan awaitSpan(TraceStore store, String requestId) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> store.trace(requestId), Optional::isPresent)
                .orElseThrow().get(0);
    }

    @Test
    void honoursTheClientsTraceWithASpanOfItsOwn() throws Exception {
        var res = get(always, "traceparent", "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01",
                // CLIENT_STATE on two lines, as W3C allows: one list
                "tracestate", "congo=t61rcWkgMzE", "tracestate", "rojo=00f067aa0ba902b7", "X-Request-ID", "edge-t1");
        String sent = res.body();
        assertThat(sent).matches("00-" + CLIENT_TRACE + "-[0-9a-f]{16}-01");
        assertThat(seenTracestate(res)).as("the vendors' entries go on with their trace").isEqualTo(CLIENT_STATE);
        String edgeSpan = sent.split("-")[2];
        assertThat(edgeSpan).isNotEqualTo(CLIENT_SPAN);

        ReceivedSpan span = awaitSpan(ALWAYS_SPANS, "edge-t1");
        assertThat(span.service()).isEqualTo("edge");
        assertThat(span.traceId()).isEqualTo(CLIENT_TRACE);
        assertThat(span.spanId()).isEqualTo(edgeSpan);
        assertThat(span.parentSpanId()).isEqualTo(CLIENT_SPAN);
        assertThat(span.traceState()).isEqualTo(CLIENT_STATE);
        assertThat(span.name()).isEqualTo("GET /products");
        assertThat(span.attributes()).containsEntry("http.response.status_code", "200");
    }

    @Test
    void startsATraceWhenTheClientSentNone() throws Exception {
        var res = get(always, "X-Request-ID", "edge-t2");
        assertThat(res.body()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
        ReceivedSpan span = awaitSpan(ALWAYS_SPANS, "edge-t2");
        assertThat(span.isRoot()).isTrue();
        assertThat(res.body()).isEqualTo("00-" + span.traceId() + "-" + span.spanId() + "-01");

        // a malformed traceparent is not continued, nor is the tracestate that belonged to it
        var bad = get(always, "traceparent", "00-" + "0".repeat(32) + "-" + CLIENT_SPAN + "-01", "tracestate", CLIENT_STATE);
        assertThat(bad.body()).doesNotContain("0".repeat(32)).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
        assertThat(seenTracestate(bad)).isEqualTo("none");
    }

    @Test
    void samplesNewTracesAtItsRatioButFollowsASampledCaller() throws Exception {
        var unsampled = get(never, "X-Request-ID", "edge-t3");
        assertThat(unsampled.body()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00");
        assertThat(NEVER_SPANS.trace("edge-t3")).isEmpty();

        var sampled = get(never, "traceparent", "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01", "X-Request-ID", "edge-t4");
        assertThat(sampled.body()).endsWith("-01");
        assertThat(awaitSpan(NEVER_SPANS, "edge-t4").traceId()).isEqualTo(CLIENT_TRACE);
    }

    @Test
    void withoutTracingTheClientsTraceparentPassesUntouched() throws Exception {
        String traceparent = "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01";
        var passed = get(off, "traceparent", traceparent, "tracestate", CLIENT_STATE);
        assertThat(passed.body()).isEqualTo(traceparent);
        assertThat(seenTracestate(passed)).isEqualTo(CLIENT_STATE);
        assertThat(get(off).body()).isEqualTo("none");
    }
}

package dev.kedai.platform.observe;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.kedai.infra.otlp.OtlpReceiver;
import dev.kedai.infra.otlp.ReceivedSpan;
import dev.kedai.platform.db.Database;
import dev.kedai.platform.db.TestDatabases;
import dev.kedai.platform.db.Transactions;
import dev.kedai.platform.grpc.GrpcChannels;
import dev.kedai.platform.http.Problem;
import dev.kedai.platform.http.ProblemException;
import dev.kedai.platform.server.KedaiServer;
import dev.kedai.platform.testing.TestHttp;
import dev.kedai.platform.testing.TestIdentities;
import dev.kedai.proto.stock.v1.CommitRequest;
import dev.kedai.proto.stock.v1.CommitResponse;
import dev.kedai.proto.stock.v1.StockServiceGrpc;
import io.grpc.stub.StreamObserver;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two real services on sockets, exporting over OTLP/HTTP to a real receiver: "front" answers
 * HTTP and calls "back" over gRPC, whose handler runs a database transaction.
 */
class TracingTest {

    private static final String STOCK_COMMIT = "kedai.stock.v1.StockService/Commit";

    private static OtlpReceiver receiver;
    private static Database db;
    private static KedaiServer back;
    private static KedaiServer front;
    private static KedaiServer rare;
    private static Config backConfig;
    private static GrpcChannels frontPeers;

    @BeforeAll
    static void start() {
        receiver = OtlpReceiver.start(0, 100);
        db = TestDatabases.start("tracing");
        // back has stock's certificate and answers cartorder's (front's): gRPC is mutual TLS
        backConfig = config("back", TestIdentities.config("stock"));
        Transactions transactions = Transactions.create(db.client(), backConfig);
        StockServiceGrpc.StockServiceImplBase stockService = new StockServiceGrpc.StockServiceImplBase() {
                    @Override
                    public void commit(CommitRequest request, StreamObserver<CommitResponse> response) {
                        // three statements in one transaction, as a checkout's are several
                        long rows = transactions.inTransaction(tx -> tx.query("SELECT 1").count()
                                + tx.query("SELECT 2").count() + tx.query("SELECT 3").count());
                        response.onNext(CommitResponse.newBuilder().setCommittedNow(rows == 3).build());
                        response.onCompleted();
                    }
                };
        back = KedaiServer.builder("back", backConfig)
                .grpc(TestIdentities.allowingAll("cartorder", stockService), stockService)
                .build().start();
        Map<String, String> frontSettings = new HashMap<>(TestIdentities.config("cartorder"));
        frontSettings.put("peers.back.grpc", "127.0.0.1:" + back.grpcPort().orElseThrow());
        Config frontConfig = config("front", frontSettings);
        frontPeers = GrpcChannels.create(frontConfig);
        var stock = StockServiceGrpc.newBlockingStub(frontPeers.channel("back"));
        front = KedaiServer.builder("front", frontConfig)
                .routing(rules -> rules
                        .get("/commit/{order_id}", (req, res) -> res.send(String.valueOf(stock.commit(CommitRequest.newBuilder()
                                .setOrderId(req.path().pathParameters().get("order_id")).build()).getCommittedNow())))
                        .get("/missing", (req, res) -> {
                            throw new ProblemException(Problem.of(404, "no such thing"));
                        }))
                .build().start();
        rare = KedaiServer.builder("rare", config("rare", Map.of("tracing.sampler-ratio", "0")))
                .routing(rules -> rules.get("/missing", (req, res) -> {
                    throw new ProblemException(Problem.of(404, "no such thing"));
                }))
                .build().start();
    }

    private static Config config(String service, Map<String, String> extra) {
        Map<String, String> m = new HashMap<>(Map.of(
                "service.name", service,
                "server.host", "127.0.0.1",
                "server.port", "0",
                "server.sockets.0.name", "admin",
                "server.sockets.0.port", "0",
                "grpc.port", "0",
                "tracing.enabled", "true",
                "tracing.endpoint", receiver.endpoint(),
                "tracing.batch-delay", "PT0.05S"));
        m.putAll(extra);
        return Config.just(ConfigSources.create(m));
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {front, rare, frontPeers, back, db, receiver}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // the next one still closes
            }
        }
    }

    private static List<ReceivedSpan> awaitSpans(String traceId, int count) {
        return await().atMost(Duration.ofSeconds(20))
                .until(() -> receiver.store().trace(traceId).orElse(List.of()), spans -> spans.size() >= count);
    }

    private static ReceivedSpan only(List<ReceivedSpan> spans, String service, String kind) {
        List<ReceivedSpan> found = spans.stream().filter(s -> s.service().equals(service) && s.kind().equals(kind)).toList();
        assertThat(found).as(service + " " + kind + " spans of " + spans).hasSize(1);
        return found.get(0);
    }

    @Test
    void oneTraceContinuesTheCallersThroughHttpGrpcAndTheTransaction() {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String callerSpan = "00f067aa0ba902b7";
        String callerState = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";
        var res = new TestHttp(front.port()).get("/commit/o-1",
                "traceparent", "00-" + traceId + "-" + callerSpan + "-01",
                // one list on two lines, as W3C allows
                "tracestate", "congo=t61rcWkgMzE", "tracestate", "rojo=00f067aa0ba902b7",
                "X-Request-ID", "req-trace-1");
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("true");

        List<ReceivedSpan> spans = awaitSpans(traceId, 4);
        ReceivedSpan http = only(spans, "front", "SERVER");
        assertThat(http.name()).isEqualTo("GET /commit/{order_id}");
        assertThat(http.parentSpanId()).isEqualTo(callerSpan);
        assertThat(http.attributes()).containsEntry("http.route", "/commit/{order_id}")
                .containsEntry("http.request.method", "GET")
                .containsEntry("url.path", "/commit/o-1")
                .containsEntry("http.response.status_code", "200")
                .containsEntry("http.request.header.x-request-id", "req-trace-1");
        ReceivedSpan client = only(spans, "front", "CLIENT");
        assertThat(client.name()).isEqualTo(STOCK_COMMIT);
        assertThat(client.parentSpanId()).isEqualTo(http.spanId());
        assertThat(client.attributes()).containsEntry("rpc.system", "grpc");
        ReceivedSpan server = only(spans, "back", "SERVER");
        assertThat(server.name()).isEqualTo(STOCK_COMMIT);
        assertThat(server.parentSpanId()).isEqualTo(client.spanId());
        ReceivedSpan tx = only(spans, "back", "INTERNAL");
        assertThat(tx.name()).isEqualTo("transaction");
        assertThat(tx.parentSpanId()).isEqualTo(server.spanId());
        // the vendors' entries of the caller's tracestate travel with the trace over HTTP and gRPC
        assertThat(List.of(http, client, server, tx)).extracting(ReceivedSpan::traceState).containsOnly(callerState);
    }

    @Test
    void aTransactionIsOneSpanWhateverStatementsItRuns() {
        String traceId = "5bf92f3577b34da6a3ce929d0e0e4737";
        var res = new TestHttp(front.port()).get("/commit/o-2", "traceparent", "00-" + traceId + "-00f067aa0ba902b8-01");
        assertThat(res.body()).isEqualTo("true");
        awaitSpans(traceId, 4);
        Tracing.of(backConfig).flush();   // a span per statement would be exported by now

        List<ReceivedSpan> spans = receiver.store().trace(traceId).orElseThrow();
        assertThat(spans).as("no span names a statement").noneMatch(s ->
                s.attributes().containsKey("db.query.text") || s.attributes().containsKey("db.statement"));
        List<ReceivedSpan> database = spans.stream()
                .filter(s -> s.attributes().keySet().stream().anyMatch(k -> k.startsWith("db."))).toList();
        assertThat(database).as("the database's spans: one per transaction, none for its three statements")
                .singleElement().satisfies(tx -> {
                    assertThat(tx.name()).isEqualTo("transaction");
                    assertThat(tx.kind()).isEqualTo("INTERNAL");
                    assertThat(tx.attributes()).containsEntry("db.system.name", "mysql");
                });
    }

    @Test
    void aRequestWithoutTraceparentStartsATraceWhoseIdTheProblemCarries() throws Exception {
        var res = new TestHttp(front.port()).get("/missing", "X-Request-ID", "req-trace-2");
        TestHttp.assertProblem(res, 404);
        String traceId = TestHttp.json(res).path("trace_id").asText();
        assertThat(traceId).matches("[0-9a-f]{32}");

        ReceivedSpan span = only(awaitSpans(traceId, 1), "front", "SERVER");
        assertThat(span.isRoot()).isTrue();
        assertThat(span.name()).isEqualTo("GET /missing");
        assertThat(span.attributes()).containsEntry("http.response.status_code", "404");
        assertThat(span.error()).as("a 4xx is the client's error").isFalse();

        // what `./kedai trace <request id>` prints
        HttpResponse<String> waterfall = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + receiver.port() + "/traces/req-trace-2")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(waterfall.statusCode()).isEqualTo(200);
        assertThat(waterfall.body()).startsWith("trace " + traceId).contains("front").contains("GET /missing");
    }

    @Test
    void newTracesAreSampledAtTheRatioWhileACallersDecisionIsFollowed() {
        // ratio 0: a trace started here is never recorded ...
        var unsampled = new TestHttp(rare.port()).get("/missing");
        String unsampledId = TestHttp.json(unsampled).path("trace_id").asText();
        assertThat(unsampledId).as("the id still travels, for logs and bug reports").matches("[0-9a-f]{32}");
        // ... but one the caller sampled is (parent-based)
        String sampledId = "0af7651916cd43dd8448eb211c80319c";
        new TestHttp(rare.port()).get("/missing", "traceparent", "00-" + sampledId + "-b7ad6b7169203331-01");
        assertThat(only(awaitSpans(sampledId, 1), "rare", "SERVER").parentSpanId()).isEqualTo("b7ad6b7169203331");

        Tracing.of(config("rare", Map.of("tracing.sampler-ratio", "0"))).flush();
        assertThat(receiver.store().trace(unsampledId)).isEmpty();
    }

    @Test
    void offUnlessEnabled() {
        assertThat(Tracing.of(Config.just(ConfigSources.create(Map.of("service.name", "x"))))).isSameAs(Tracing.OFF);
        assertThat(Tracing.OFF.httpFilter()).isEqualTo(Optional.empty());
        assertThat(Tracing.OFF.grpcServer()).isEmpty();
        assertThat(Tracing.OFF.grpcClient()).isEmpty();
    }
}

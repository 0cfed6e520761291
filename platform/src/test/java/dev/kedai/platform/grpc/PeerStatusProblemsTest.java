package dev.kedai.platform.grpc;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import dev.kedai.platform.server.KedaiServer;
import dev.kedai.platform.testing.TestIdentities;
import dev.kedai.proto.stock.v1.CommitRequest;
import dev.kedai.proto.stock.v1.CommitResponse;
import dev.kedai.proto.stock.v1.StockServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.kedai.platform.testing.TestHttp.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whatever status a peer answers, the HTTP client of the service that called it gets a 4xx or a
 * 503/504 problem, never a 500 (issue 13): a peer's answer is the dependency's doing, not a bug of
 * this service. Each status crosses a real gRPC socket and a route of a real server, through the
 * peer's breaker ({@link Peer#call}) and past it ({@link Peer#stub}, the background calls' way).
 */
class PeerStatusProblemsTest {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final AtomicInteger ANSWERED = new AtomicInteger();
    private static GrpcServer stock;
    private static GrpcChannels channels;
    private static KedaiServer server;

    /** Answers a Commit whose order id names a status code with that status. */
    static final class FailingStock extends GrpcServerTest.TestStock {
        @Override
        public void commit(CommitRequest request, StreamObserver<CommitResponse> response) {
            ANSWERED.incrementAndGet();
            response.onError(Status.fromCode(Status.Code.valueOf(request.getOrderId()))
                                     .withDescription("stock says " + request.getOrderId()).asRuntimeException());
        }
    }

    @BeforeAll
    static void start() {
        stock = GrpcServer.builder(0).host("127.0.0.1").tls(TestIdentities.tls("stock")).callers(GrpcServerTest.CALLERS)
                .addService(new FailingStock()).shutdownGrace(Duration.ofMillis(200)).build().start();
        Map<String, String> peers = new HashMap<>(TestIdentities.config("cartorder"));
        peers.put("peers.stock.grpc", "127.0.0.1:" + stock.port());
        // the breaker must not open over this many failures in a row: each status is to reach the mapping itself
        peers.put("peers.breaker.volume", "1000");
        channels = GrpcChannels.create(Config.just(ConfigSources.create(peers)));
        Peer<StockServiceGrpc.StockServiceBlockingStub> peer = channels.peer("stock", StockServiceGrpc::newBlockingStub);
        HttpService routes = (HttpRules rules) -> rules
                .get("/through-breaker/{code}", (req, res) -> peer.call(s -> s.commit(commit(req.path().pathParameters().get("code")))))
                .get("/past-breaker/{code}", (req, res) -> peer.stub().commit(commit(req.path().pathParameters().get("code"))));
        server = KedaiServer.builder("test", Config.just(ConfigSources.create(Map.of(
                        "server.host", "127.0.0.1",
                        "server.port", "0",
                        "server.sockets.0.name", "admin",
                        "server.sockets.0.port", "0"))))
                .routing(rules -> rules.register("/stock", routes))
                .build()
                .start();
    }

    @AfterAll
    static void stop() {
        server.stop();
        channels.close();
        stock.close();
    }

    @Test
    void everyStatusAPeerCanAnswerIsA4xxOr503Or504ProblemNeverA500() throws Exception {
        Map<String, Integer> answers = new LinkedHashMap<>();
        Status.Code[] failures = Arrays.stream(Status.Code.values()).filter(c -> c != Status.Code.OK).toArray(Status.Code[]::new);
        for (String way : new String[] {"through-breaker", "past-breaker"}) {
            for (Status.Code code : failures) {
                HttpResponse<String> res = CLIENT.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + server.port() + "/stock/" + way + "/" + code.name())).build(),
                        HttpResponse.BodyHandlers.ofString());
                answers.put(way + " " + code, res.statusCode());
                assertThat(res.statusCode() < 500 || res.statusCode() == 503 || res.statusCode() == 504)
                        .as("%s %s answered %s: %s", way, code, res.statusCode(), res.body()).isTrue();
                assertThat(res.statusCode()).as("%s %s", way, code).isGreaterThanOrEqualTo(400);
                assertProblem(res, res.statusCode());
            }
        }
        // every answer came from the peer itself, none from an open breaker
        assertThat(ANSWERED.get()).isEqualTo(2 * failures.length);
        // the refusals a client can act on keep their meaning; a deadline is a 504
        assertThat(answers).containsEntry("through-breaker NOT_FOUND", 404)
                .containsEntry("through-breaker INVALID_ARGUMENT", 400)
                .containsEntry("through-breaker FAILED_PRECONDITION", 409)
                .containsEntry("through-breaker DEADLINE_EXCEEDED", 504)
                .containsEntry("past-breaker DEADLINE_EXCEEDED", 504)
                .containsEntry("through-breaker UNAVAILABLE", 503);
    }

    private static CommitRequest commit(String code) {
        return CommitRequest.newBuilder().setOrderId(code).build();
    }
}

package dev.kedai.platform.grpc;

import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.kedai.platform.security.ForbiddenException;
import dev.kedai.platform.security.UnauthorizedException;
import dev.kedai.platform.server.Admission;
import dev.kedai.platform.testing.TestIdentities;
import dev.kedai.proto.stock.v1.CommitRequest;
import dev.kedai.proto.stock.v1.CommitResponse;
import dev.kedai.proto.stock.v1.StockServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A real Netty server and channel on loopback: status codes and deadlines must reach the client. */
class GrpcServerTest {

    /** Answers by order id: "missing" → NOT_FOUND, "released" → FAILED_PRECONDITION, "stuck" → never. */
    static class TestStock extends StockServiceGrpc.StockServiceImplBase {
        @Override
        public void commit(CommitRequest request, StreamObserver<CommitResponse> response) {
            switch (request.getOrderId()) {
                case "missing" -> response.onError(Status.NOT_FOUND.withDescription("no order missing").asRuntimeException());
                case "released" -> response.onError(Status.FAILED_PRECONDITION.withDescription("released").asRuntimeException());
                case "stuck" -> {
                    // no answer: only the caller's deadline ends this call
                }
                case "throws" -> throw new IllegalStateException("handler bug");
                case "db-down" -> throw new IllegalStateException("query failed",
                        new SQLTransientConnectionException("Connection is not available, request timed out"));
                case "deadlock" -> throw new IllegalStateException("gave up",
                        new java.sql.SQLTransactionRollbackException("Deadlock found", "40001", 1213));
                case "forbidden" -> throw new ForbiddenException("requires role admin");
                case "busy" -> {
                    // a real refusal: the inner call finds the one request of its kind admitted already running
                    Admission one = Admission.create(Config.just(ConfigSources.create(Map.of("admission.commit.limit", "1"))));
                    one.call("commit", () -> one.call("commit", () -> "never"));
                }
                default -> {
                    response.onNext(CommitResponse.newBuilder().setCommittedNow(true).build());
                    response.onCompleted();
                }
            }
        }
    }

    /** Every method of the test stock service, to "cartorder" (the channels of these tests call as cartorder). */
    static final GrpcCallers CALLERS = GrpcCallers.builder()
            .allow(StockServiceGrpc.getCommitMethod(), "cartorder")
            .allow(StockServiceGrpc.getReserveMethod(), "cartorder")
            .allow(StockServiceGrpc.getReleaseMethod(), "cartorder")
            .allowNone(StockServiceGrpc.getExtendMethod())
            .allow(StockServiceGrpc.getGetLevelsMethod(), "cartorder")
            .build();

    private static GrpcServer server;
    private static GrpcChannels channels;

    /** A server of the test stock service with stock's identity, callable by cartorder. */
    static GrpcServer.Builder stockServer() {
        return GrpcServer.builder(0).tls(TestIdentities.tls("stock")).callers(CALLERS).addService(new TestStock());
    }

    @BeforeAll
    static void start() {
        server = stockServer().shutdownGrace(Duration.ofMillis(200)).build().start();
        Map<String, String> config = new java.util.HashMap<>(TestIdentities.config("cartorder"));
        config.put("peers.stock.grpc", "127.0.0.1:" + server.port());
        config.put("grpc.client.default-deadline", "PT0.3S");
        channels = GrpcChannels.create(Config.just(ConfigSources.create(config)));
        // the first call connects (the channel is lazy): on a loaded machine that alone can take 0.3 s
        stock().withDeadlineAfter(10, TimeUnit.SECONDS).commit(CommitRequest.newBuilder().setOrderId("warm-up").build());
    }

    @AfterAll
    static void stop() {
        channels.close();
        server.close();
    }

    private static StockServiceGrpc.StockServiceBlockingStub stock() {
        return StockServiceGrpc.newBlockingStub(channels.channel("stock"));
    }

    @Test
    void aPortThatCannotBeBoundIsNamedInTheError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            GrpcServer clash = GrpcServer.builder(port).tls(TestIdentities.tls("stock")).callers(CALLERS)
                    .addService(new TestStock()).build();

            assertThatThrownBy(clash::start).isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("127.0.0.1:" + port);
        }
    }

    @Test
    void answers() {
        assertThat(stock().commit(CommitRequest.newBuilder().setOrderId("o1").build()).getCommittedNow()).isTrue();
    }

    @Test
    void statusCodesReachTheClient() {
        assertThatThrownBy(() -> stock().commit(CommitRequest.newBuilder().setOrderId("missing").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).isEqualTo("no order missing");
                });
        assertThatThrownBy(() -> stock().commit(CommitRequest.newBuilder().setOrderId("released").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
        assertThatThrownBy(() -> stock().commit(CommitRequest.newBuilder().setOrderId("throws").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN));
    }

    @Test
    void whatAHandlerThrowsBecomesOneStatusByThePlatformsMapping() {
        assertThat(codeOf("db-down")).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(codeOf("deadlock")).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(codeOf("forbidden")).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThatThrownBy(() -> stock().commit(CommitRequest.newBuilder().setOrderId("throws").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getDescription()).as("nothing internal leaks").isEqualTo("unexpected error"));
    }

    /** Interceptors the platform adds run inside the error mapping: a refused caller is UNAUTHENTICATED, not UNKNOWN. */
    @Test
    void platformInterceptorsRunInsideTheErrorMapping() {
        ServerInterceptor refuseAll = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                              ServerCallHandler<Q, R> next) {
                throw new UnauthorizedException("no caller identity");
            }
        };
        GrpcServer guarded = stockServer().addInterceptor(refuseAll).shutdownGrace(Duration.ofMillis(200)).build().start();
        ManagedChannel channel = TestIdentities.open("cartorder", "127.0.0.1:" + guarded.port());
        try {
            assertThatThrownBy(() -> StockServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .commit(CommitRequest.newBuilder().setOrderId("o1").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        } finally {
            channel.shutdownNow();
            guarded.close();
        }
    }

    private static Status.Code codeOf(String orderId) {
        try {
            stock().commit(CommitRequest.newBuilder().setOrderId(orderId).build());
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    @Test
    void everyCallGetsTheDefaultDeadline() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> stock().commit(CommitRequest.newBuilder().setOrderId("stuck").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(250), Duration.ofSeconds(2));
    }

    @Test
    void callersOwnDeadlineWins() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> stock().withDeadlineAfter(800, TimeUnit.MILLISECONDS)
                .commit(CommitRequest.newBuilder().setOrderId("stuck").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(750));
    }

    @Test
    void healthServiceAnswersServing() {
        // the health service's first answer loads its classes: more than the 0.3 s default on a busy machine
        var health = HealthGrpc.newBlockingStub(channels.channel("stock")).withDeadlineAfter(10, TimeUnit.SECONDS);
        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(health.check(HealthCheckRequest.newBuilder().setService("kedai.stock.v1.StockService").build())
                .getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    @Test
    void unknownPeerIsAClearError() {
        assertThatThrownBy(() -> channels.channel("nobody")).hasMessageContaining("peers.nobody.grpc");
    }

    @Test
    void closeIsGracefulAndBounded() {
        GrpcServer other = stockServer().shutdownGrace(Duration.ofMillis(300)).build().start();
        ManagedChannel channel = TestIdentities.open("cartorder", "127.0.0.1:" + other.port());
        try {
            var stub = StockServiceGrpc.newFutureStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
            var stuck = stub.commit(CommitRequest.newBuilder().setOrderId("stuck").build());
            assertThat(stub.commit(CommitRequest.newBuilder().setOrderId("o").build()))
                    .succeedsWithin(Duration.ofSeconds(2));
            long start = System.nanoTime();
            other.close();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            assertThat(stuck).failsWithin(Duration.ofSeconds(2));
        } finally {
            channel.shutdownNow();
        }
    }
}

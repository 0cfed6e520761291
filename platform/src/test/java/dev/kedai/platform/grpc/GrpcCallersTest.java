package dev.kedai.platform.grpc;

import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.kedai.infra.ServiceCertificates;
import dev.kedai.platform.testing.TestIdentities;
import dev.kedai.proto.stock.v1.CommitRequest;
import dev.kedai.proto.stock.v1.CommitResponse;
import dev.kedai.proto.stock.v1.GetLevelsRequest;
import dev.kedai.proto.stock.v1.GetLevelsResponse;
import dev.kedai.proto.stock.v1.StockServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1alpha.ServerReflectionGrpc;
import io.grpc.reflection.v1alpha.ServerReflectionRequest;
import io.grpc.reflection.v1alpha.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Who may call a gRPC server, over real sockets: only a service whose certificate the CA signed,
 * and only the methods its table allows; the handler never runs for anyone else.
 */
class GrpcCallersTest {

    /** Counts what reached the handlers: a refused call must not. */
    static final class CountingStock extends StockServiceGrpc.StockServiceImplBase {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public void commit(CommitRequest request, StreamObserver<CommitResponse> response) {
            calls.incrementAndGet();
            response.onNext(CommitResponse.newBuilder().setCommittedNow(true).build());
            response.onCompleted();
        }

        @Override
        public void getLevels(GetLevelsRequest request, StreamObserver<GetLevelsResponse> response) {
            calls.incrementAndGet();
            response.onNext(GetLevelsResponse.getDefaultInstance());
            response.onCompleted();
        }
    }

    static final GrpcCallers CALLERS = GrpcCallers.builder()
            .allow(StockServiceGrpc.getCommitMethod(), "cartorder")
            .allowNone(StockServiceGrpc.getGetLevelsMethod())
            .allowNone(StockServiceGrpc.getReserveMethod())
            .allowNone(StockServiceGrpc.getReleaseMethod())
            .allowNone(StockServiceGrpc.getExtendMethod())
            .build();

    private static final CountingStock STOCK = new CountingStock();
    private static GrpcServer server;
    private static String target;

    @BeforeAll
    static void start() {
        server = GrpcServer.builder(0).tls(TestIdentities.tls("stock")).callers(CALLERS).addService(STOCK)
                .shutdownGrace(Duration.ofMillis(100)).build().start();
        target = "127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theAllowedServiceIsServed() {
        assertThat(call(TestIdentities.open("cartorder", target), StockServiceGrpc.getCommitMethod().getBareMethodName()))
                .isEqualTo(Status.Code.OK);
    }

    @Test
    void noClientCertificateIsUnauthenticatedBeforeAnyDataIsRead() throws Exception {
        int before = STOCK.calls.get();
        // TLS that trusts the server, but presents nothing: as curl over https without a client certificate
        ManagedChannel anonymous = NettyChannelBuilder.forTarget(target, TlsChannelCredentials.newBuilder()
                .trustManager(TestIdentities.of("stock").ca().toFile()).build()).build();
        assertThat(call(anonymous, "Commit")).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(STOCK.calls.get()).isEqualTo(before);
    }

    @Test
    void plaintextIsNotServedAtAll() {
        int before = STOCK.calls.get();
        // h2c, as the curl of the issue: there is no plaintext listener to answer it
        ManagedChannel plaintext = NettyChannelBuilder.forTarget(target).usePlaintext().build();
        assertThat(call(plaintext, "Commit")).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(STOCK.calls.get()).isEqualTo(before);
    }

    @Test
    void aCertificateFromAnotherCaNamesNobody() throws Exception {
        int before = STOCK.calls.get();
        ServiceCertificates.Identity forged = ServiceCertificates.create(Files.createTempDirectory("forged-ca"), "Not Kedai's CA")
                .issue("cartorder");
        ManagedChannel channel = NettyChannelBuilder.forTarget(target, TlsChannelCredentials.newBuilder()
                .keyManager(forged.cert().toFile(), forged.key().toFile())
                .trustManager(TestIdentities.of("stock").ca().toFile()).build()).build();
        // the server only asks for a certificate: one its CA did not sign leaves the caller unverified
        // (UNAUTHENTICATED), or, with a TLS stack that ends the handshake instead, UNAVAILABLE
        assertThat(call(channel, "Commit")).isIn(Status.Code.UNAUTHENTICATED, Status.Code.UNAVAILABLE);
        assertThat(STOCK.calls.get()).isEqualTo(before);
    }

    @Test
    void aServiceNotInTheMethodsTableIsPermissionDenied() {
        int before = STOCK.calls.get();
        assertThat(call(TestIdentities.open("user", target), "Commit")).isEqualTo(Status.Code.PERMISSION_DENIED);
        // cartorder itself may call Commit, not GetLevels (no service may)
        assertThat(call(TestIdentities.open("cartorder", target), "GetLevels")).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(STOCK.calls.get()).isEqualTo(before);
    }

    @Test
    void reflectionIsOffUnlessConfigured() throws Exception {
        assertThat(reflect(server)).isEqualTo(Status.Code.UNIMPLEMENTED);
        GrpcServer withReflection = GrpcServer.builder(0).tls(TestIdentities.tls("stock")).callers(CALLERS)
                .addService(STOCK).reflection(true).shutdownGrace(Duration.ofMillis(100)).build().start();
        try {
            assertThat(reflect(withReflection)).isEqualTo(Status.Code.OK);
        } finally {
            withReflection.close();
        }
    }

    @Test
    void aServerWhoseTableForgetsAMethodDoesNotStart() {
        GrpcCallers partial = GrpcCallers.builder().allow(StockServiceGrpc.getCommitMethod(), "cartorder").build();
        assertThatThrownBy(() -> GrpcServer.builder(0).tls(TestIdentities.tls("stock")).callers(partial)
                .addService(STOCK).build())
                .hasMessageContaining("kedai.stock.v1.StockService/GetLevels");
        assertThatThrownBy(() -> GrpcCallers.builder().allow(StockServiceGrpc.getCommitMethod(), "Cart Order"))
                .hasMessageContaining("not a service name");
    }

    /** The code of one unary call of {@code method} (Commit or GetLevels); the channel is closed after. */
    private static Status.Code call(ManagedChannel channel, String method) {
        try {
            var stub = StockServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
            if (method.equals("Commit")) {
                stub.commit(CommitRequest.newBuilder().setOrderId("o-1").build());
            } else {
                stub.getLevels(GetLevelsRequest.getDefaultInstance());
            }
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        } finally {
            channel.shutdownNow();
        }
    }

    /** The code of a reflection "list services" call, made as an allowed caller. */
    private static Status.Code reflect(GrpcServer target) throws Exception {
        ManagedChannel channel = TestIdentities.open("cartorder", "127.0.0.1:" + target.port());
        var done = new java.util.concurrent.CompletableFuture<Status.Code>();
        try {
            var requests = ServerReflectionGrpc.newStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .serverReflectionInfo(new StreamObserver<>() {
                        @Override
                        public void onNext(ServerReflectionResponse value) {
                            done.complete(Status.Code.OK);
                        }

                        @Override
                        public void onError(Throwable t) {
                            done.complete(Status.fromThrowable(t).getCode());
                        }

                        @Override
                        public void onCompleted() {
                            done.complete(Status.Code.OK);
                        }
                    });
            requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
            requests.onCompleted();
            return done.get(15, TimeUnit.SECONDS);
        } finally {
            channel.shutdownNow();
        }
    }

}

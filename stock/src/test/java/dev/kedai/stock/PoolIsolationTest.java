package dev.kedai.stock;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.kedai.contracts.Topics;
import dev.kedai.infra.DbAccount;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.grpc.DefaultDeadline;
import dev.kedai.platform.security.TestTokens;
import dev.kedai.platform.server.KedaiServer;
import dev.kedai.platform.testing.TestHttp;
import dev.kedai.platform.testing.TestIdentities;
import dev.kedai.platform.testing.TestServiceConfig;
import dev.kedai.proto.cartorder.v1.OrderPaid;
import dev.kedai.proto.stock.v1.Line;
import dev.kedai.proto.stock.v1.ReserveRequest;
import dev.kedai.proto.stock.v1.StockServiceGrpc;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.kedai.platform.testing.TestHttp.assertProblem;
import static dev.kedai.stock.StockTestKit.post;
import static dev.kedai.stock.StockTestKit.product;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Stock under a request burst that holds every request connection (admin updates waiting on a
 * level row another transaction keeps locked, as Reserves wait on a hot product): the event
 * consumer still applies OrderPaid on its own pool, and a request that finds no connection is
 * answered 503 with Retry-After at once instead of queueing.
 */
class PoolIsolationTest {

    private static final int REQUEST_POOL = 2;

    private static TestTokens tokens;
    private static DbAccount db;
    private static KedaiServer server;
    private static TestHttp http;
    private static ManagedChannel channel;
    private static StockServiceGrpc.StockServiceBlockingStub stock;
    private static String admin;

    private final ExecutorService blockers = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Future<HttpResponse<String>>> held = new ArrayList<>();
    private Connection locker;

    @BeforeAll
    static void start() {
        tokens = TestTokens.start();
        db = TestInfra.newDatabase("stock");
        server = Main.start(TestServiceConfig.of(db, tokens, Map.of(
                "db.connection.maximumPoolSize", String.valueOf(REQUEST_POOL),
                "db.connection.minimumIdle", "1",
                "db.connection.connectionTimeout", "250",
                // the held requests must outlast the test, not end at the statement timeout
                "db.statement-timeout", "PT60S")));
        http = new TestHttp(server.port());
        channel = TestIdentities.open("cartorder", "127.0.0.1:" + server.grpcPort().orElseThrow());
        stock = StockServiceGrpc.newBlockingStub(ClientInterceptors.intercept(channel, new DefaultDeadline(Duration.ofSeconds(10))));
        admin = "Bearer " + tokens.mint("admin-1", "admin");
    }

    @AfterAll
    static void stop() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (server != null) {
            server.stop();
        }
        tokens.close();
    }

    @AfterEach
    void release() throws Exception {
        if (locker != null) {
            locker.rollback();
            locker.close();
        }
        for (Future<HttpResponse<String>> f : held) {
            HttpResponse<String> res = f.get();
            // each held update either went through once the row was free, or found no connection
            assertThat(res.statusCode()).as(res.body()).isIn(200, 503);
        }
        blockers.shutdown();
    }

    @Test
    void theConsumerAppliesOrderPaidWhileRequestsHoldEveryRequestConnection() {
        String other = product(db, 5);
        String order = UUID.randomUUID().toString();
        stock.reserve(ReserveRequest.newBuilder().setOrderId(order).setTtlSeconds(600)
                              .addLines(Line.newBuilder().setProductId(other).setQuantity(2)).build());
        saturateRequestPool();

        StockTestKit.publish(Topics.ORDER, order, OrderPaid.newBuilder().setOrderId(order).setUserId("u1")
                .setOccurredAt(StockTestKit.now()).build());

        await().atMost(Duration.ofSeconds(20)).until(() -> "COMMITTED".equals(
                StockTestKit.query(db, "SELECT status FROM reservations WHERE order_id = '" + order + "'")));
        assertThat(StockTestKit.query(db, "SELECT on_hand FROM stock_levels WHERE product_id = '" + other + "'")).isEqualTo("3");
        // the requests held the pool all along
        assertThat(http.get("/stock/" + other).statusCode()).isEqualTo(503);
    }

    /**
     * Locks a level row and sends admin updates of it until every request connection waits on
     * that lock (a read of another product then finds no connection: 503).
     */
    private void saturateRequestPool() {
        String hot = product(db, 100);
        try {
            locker = DriverManager.getConnection(db.url(), db.user(), db.password());
            locker.setAutoCommit(false);
            try (var s = locker.prepareStatement("SELECT on_hand FROM stock_levels WHERE product_id = ? FOR UPDATE")) {
                s.setString(1, hot);
                s.executeQuery().close();
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        for (int i = 0; i < REQUEST_POOL; i++) {
            held.add(blockers.submit(() -> post(http, "/stock/update", admin,
                    "{\"product_id\":\"" + hot + "\",\"delta\":1}")));
        }
        String probe = product(db, 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> http.get("/stock/" + probe).statusCode() == 503);
    }
}

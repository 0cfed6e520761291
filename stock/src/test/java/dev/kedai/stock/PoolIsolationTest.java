package dev.kedai.stock;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.kedai.platform.testing.TestHttp.assertProblem;
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

    @BeforeAll
    static void start() {
        tokens = TestTokens.start();
        db = TestInfra.newDatabase("stock");
        server = Main.start(TestServiceConfig.of(db, tokens, Map.of(
                "db.connection.maximumPoolSize", String.valueOf(REQUEST_POOL),
                "db.connection.minimumIdle", "1",
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

    @Test
    void theConsumerAppliesOrderPaidWhileRequestsHoldEveryRequestConnection() throws Exception {
        String other = product(db, 5);
        String order = UUID.randomUUID().toString();
        stock.reserve(ReserveRequest.newBuilder().setOrderId(order).setTtlSeconds(600)
                              .addLines(Line.newBuilder().setProductId(other).setQuantity(2)).build());
        try (var held = new StockTestKit.HeldRequestPool(db, http, admin, REQUEST_POOL)) {
            StockTestKit.publish(Topics.ORDER, order, OrderPaid.newBuilder().setOrderId(order).setUserId("u1")
                    .setOccurredAt(StockTestKit.now()).build());

            await().atMost(Duration.ofSeconds(20)).until(() -> "COMMITTED".equals(
                    StockTestKit.query(db, "SELECT status FROM reservations WHERE order_id = '" + order + "'")));
            assertThat(StockTestKit.query(db, "SELECT on_hand FROM stock_levels WHERE product_id = '" + other + "'")).isEqualTo("3");
            // the requests held the pool all along
            assertThat(http.get("/stock/" + other).statusCode()).isEqualTo(503);
        }
    }

    @Test
    void aRequestThatFindsNoConnectionIsToldToComeBackLater() throws Exception {
        String other = product(db, 5);
        try (var held = new StockTestKit.HeldRequestPool(db, http, admin, REQUEST_POOL)) {
            HttpResponse<String> res = http.get("/stock/" + other);

            assertProblem(res, 503);
            assertThat(res.headers().firstValue("Retry-After")).contains("1");
        }
    }
}

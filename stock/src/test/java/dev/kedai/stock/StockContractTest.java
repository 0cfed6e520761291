package dev.kedai.stock;

import java.time.Duration;
import java.util.Map;

import dev.kedai.contracts.StockServiceContract;
import dev.kedai.infra.DbAccount;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.grpc.DefaultDeadline;
import dev.kedai.platform.security.TestTokens;
import dev.kedai.platform.server.KedaiServer;
import dev.kedai.platform.testing.TestHttp;
import dev.kedai.platform.testing.TestIdentities;
import dev.kedai.platform.testing.TestServiceConfig;
import dev.kedai.proto.stock.v1.StockServiceGrpc;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import static dev.kedai.platform.testing.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

/** The contract cartorder's stock double is held to, against the real stock service (MariaDB, gRPC over a socket). */
class StockContractTest extends StockServiceContract {

    private static TestTokens tokens;
    private static DbAccount db;
    private static KedaiServer server;
    private static TestHttp http;
    private static ManagedChannel channel;
    private static StockServiceGrpc.StockServiceBlockingStub stub;

    @BeforeAll
    static void start() {
        tokens = TestTokens.start();
        db = TestInfra.newDatabase("stock");
        server = Main.start(TestServiceConfig.of(db, tokens, Map.of()));
        http = new TestHttp(server.port());
        channel = TestIdentities.open("cartorder", "127.0.0.1:" + server.grpcPort().orElseThrow());
        stub = StockServiceGrpc.newBlockingStub(ClientInterceptors.intercept(channel, new DefaultDeadline(Duration.ofSeconds(10))));
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

    @Override
    protected StockServiceGrpc.StockServiceBlockingStub stock() {
        return stub;
    }

    @Override
    protected String productWith(int units) {
        return StockTestKit.product(db, units);
    }

    @Override
    protected long available(String productId) {
        var res = http.get("/stock/" + productId);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return json(res).get("available").asLong();
    }
}

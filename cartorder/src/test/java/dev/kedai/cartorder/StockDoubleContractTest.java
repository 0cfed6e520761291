package dev.kedai.cartorder;

import java.time.Duration;

import dev.kedai.contracts.StockServiceContract;
import dev.kedai.platform.grpc.DefaultDeadline;
import dev.kedai.platform.testing.TestIdentities;
import dev.kedai.proto.stock.v1.StockServiceGrpc;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The stock double of {@link PeerDoubles} held to the same contract as the real stock service
 * (stock's StockContractTest): cartorder's tests may trust only what both pass.
 */
class StockDoubleContractTest extends StockServiceContract {

    private static PeerDoubles peers;
    private static ManagedChannel channel;
    private static StockServiceGrpc.StockServiceBlockingStub stub;

    @BeforeAll
    static void start() {
        peers = new PeerDoubles();
        channel = TestIdentities.open("cartorder", "127.0.0.1:" + peers.port("stock"));
        stub = StockServiceGrpc.newBlockingStub(ClientInterceptors.intercept(channel, new DefaultDeadline(Duration.ofSeconds(10))));
    }

    @AfterAll
    static void stop() {
        channel.shutdownNow();
        peers.close();
    }

    @Override
    protected StockServiceGrpc.StockServiceBlockingStub stock() {
        return stub;
    }

    @Override
    protected String productWith(int units) {
        String id = CartOrderFixture.newId();
        peers.available.put(id, units);
        return id;
    }

    @Override
    protected long available(String productId) {
        return peers.available.getOrDefault(productId, 0);
    }
}

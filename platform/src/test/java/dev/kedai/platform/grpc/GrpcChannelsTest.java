package dev.kedai.platform.grpc;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import dev.kedai.platform.testing.TestIdentities;
import io.grpc.ConnectivityState;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A peer's channel is connected before the first request needs it, so that request does not pay
 * for the connection (a cold {@code POST /cart/add} used to answer 504 on it, issue 16).
 */
class GrpcChannelsTest {

    @Test
    void aPeersChannelConnectsAtStartNotOnTheFirstCall() {
        try (GrpcServer server = stockServer(0);
             GrpcChannels channels = channels(server.port())) {
            channels.peer("stock", ch -> ch);

            await().atMost(Duration.ofSeconds(30)).until(() -> channels.state("stock") == ConnectivityState.READY);
        }
    }

    @Test
    void aPeerThatStartsLaterIsConnectedOnceItListens() throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        try (GrpcChannels channels = channels(port)) {
            channels.peer("stock", ch -> ch);
            // nobody listens yet: the warm-up's attempts fail, each followed by a reconnect back-off
            await().atMost(Duration.ofSeconds(30)).until(() -> channels.state("stock") == ConnectivityState.TRANSIENT_FAILURE);

            try (GrpcServer server = stockServer(port)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> channels.state("stock") == ConnectivityState.READY);
                assertThat(server.port()).isEqualTo(port);
            }
        }
    }

    private static GrpcServer stockServer(int port) {
        return GrpcServer.builder(port).host("127.0.0.1").tls(TestIdentities.tls("stock")).callers(GrpcServerTest.CALLERS)
                .addService(new GrpcServerTest.TestStock()).shutdownGrace(Duration.ofMillis(200)).build().start();
    }

    private static GrpcChannels channels(int port) {
        Map<String, String> config = new HashMap<>(TestIdentities.config("cartorder"));
        config.put("peers.stock.grpc", "127.0.0.1:" + port);
        return GrpcChannels.create(Config.just(ConfigSources.create(config)));
    }
}

package dev.kedai.platform.grpc;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.helidon.config.Config;

/**
 * Channels to peer services, one per peer, made on first use from {@code peers.<name>.grpc}
 * ({@code host:port}). Plaintext inside the cluster, TCP_NODELAY (without it a sequential unary
 * call costs ≈ 48 ms of Nagle delay here), keep-alive, and a default deadline on every call that
 * has none ({@code grpc.client.default-deadline}, default 2 s).
 *
 * <pre>{@code
 * GrpcChannels channels = GrpcChannels.create(config);
 * var cart = CartServiceGrpc.newBlockingStub(channels.channel("cartorder"));
 * ...
 * channels.close();
 * }</pre>
 */
public final class GrpcChannels implements AutoCloseable {

    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(2);

    private final Config peers;
    private final Duration deadline;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    private GrpcChannels(Config peers, Duration deadline) {
        this.peers = peers;
        this.deadline = deadline;
    }

    /** Reads {@code peers.*} and {@code grpc.client.default-deadline} (a Duration, e.g. {@code PT2S}) from the root config. */
    public static GrpcChannels create(Config config) {
        return new GrpcChannels(config.get("peers"),
                config.get("grpc.client.default-deadline").as(Duration.class).orElse(DEFAULT_DEADLINE));
    }

    /** The channel to {@code peer} (e.g. "cartorder"), with the default deadline interceptor. */
    public Channel channel(String peer) {
        return ClientInterceptors.intercept(managed(peer), new DefaultDeadline(deadline));
    }

    /** The target {@code host:port} configured for {@code peer}. */
    public String target(String peer) {
        return peers.get(peer).get("grpc").asString()
                .orElseThrow(() -> new IllegalStateException("no address for peer '" + peer + "': set peers." + peer + ".grpc=host:port"));
    }

    /** A channel to {@code target} ({@code host:port}) with Kedai's settings; the caller closes it. */
    public static ManagedChannel open(String target) {
        return NettyChannelBuilder.forTarget(target)
                .usePlaintext()
                .withOption(ChannelOption.TCP_NODELAY, true)
                .keepAliveTime(30, TimeUnit.SECONDS)
                .keepAliveTimeout(10, TimeUnit.SECONDS)
                .idleTimeout(5, TimeUnit.MINUTES)
                .build();
    }

    /** A channel to {@code target} that puts {@code deadline} on calls without one; the caller closes the returned managed channel. */
    public static Channel withDefaultDeadline(ManagedChannel channel, Duration deadline) {
        return ClientInterceptors.intercept(channel, new DefaultDeadline(deadline));
    }

    private ManagedChannel managed(String peer) {
        // connects on the first call, not here: peers start in any order, and a channel that tried
        // too early would answer UNAVAILABLE for its whole reconnect back-off
        return channels.computeIfAbsent(peer, p -> open(target(p)));
    }

    /** Shuts every channel down, waiting up to 2 s for calls in flight. */
    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdown);
        for (ManagedChannel c : channels.values()) {
            try {
                if (!c.awaitTermination(2, TimeUnit.SECONDS)) {
                    c.shutdownNow();
                }
            } catch (InterruptedException e) {
                c.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        channels.clear();
    }
}

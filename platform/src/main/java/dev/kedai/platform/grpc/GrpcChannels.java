package dev.kedai.platform.grpc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import dev.kedai.platform.observe.Tracing;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.helidon.config.Config;

/**
 * The client side of gRPC: channels to peer services, one per peer, made on first use from
 * {@code peers.<name>.grpc} ({@code host:port}), and one {@link PeerBreaker} per peer; a
 * {@link Peer} holds both for its callers. Mutual TLS with the service's own certificate
 * ({@link GrpcTls}, {@code grpc.tls.*}: the peer allows a method only to the services that need it,
 * see {@link GrpcCallers}), TCP_NODELAY (without it a sequential unary call costs ≈ 48 ms of Nagle
 * delay here), keep-alive, and a deadline on every call that has none: {@code peers.<name>.deadline},
 * else {@code grpc.client.default-deadline} (default 2 s).
 *
 * <p>A channel is made when its peer is first asked for (at start, in each {@code Main}) and then
 * warmed in the background: one {@code grpc.health.v1.Health/Check} that waits until the peer is
 * up. Without it the first request paid for the TCP and HTTP/2 set-up and the class loading of
 * both sides, which on a busy machine took longer than the 1 s deadline of stock's
 * {@code GetProducts}, so a cold {@code POST /cart/add} answered 504 (issue 16).
 *
 * <pre>{@code
 * GrpcChannels peers = GrpcChannels.create(config);
 * Peer<CartServiceBlockingStub> cartorder = peers.peer("cartorder", CartServiceGrpc::newBlockingStub);
 * Cart cart = cartorder.call(stub -> stub.addItem(request));
 * ...
 * peers.close();
 * }</pre>
 */
public final class GrpcChannels implements AutoCloseable {

    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(2);
    // how long a channel keeps trying to warm up before it leaves connecting to the first call
    private static final Duration WARM_UP_LIMIT = Duration.ofMinutes(5);

    private final Config root;
    private final Config peers;
    private final Duration deadline;
    private final GrpcTls tls;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final Map<String, PeerBreaker> breakers = new ConcurrentHashMap<>();
    private final Tracing tracing;

    private GrpcChannels(Config root, Duration deadline, GrpcTls tls) {
        this.root = root;
        this.tracing = Tracing.of(root);
        this.peers = root.get("peers");
        this.deadline = deadline;
        this.tls = tls;
    }

    /**
     * Reads {@code peers.*}, {@code grpc.client.default-deadline} (a Duration, e.g. {@code PT2S}) and
     * the service's certificate ({@code grpc.tls.*}) from the root config.
     */
    public static GrpcChannels create(Config config) {
        return new GrpcChannels(config,
                config.get("grpc.client.default-deadline").as(Duration.class).orElse(DEFAULT_DEADLINE),
                GrpcTls.load(config));
    }

    /** The channel to {@code peer} (e.g. "cartorder"), with its default deadline. */
    public Channel channel(String peer) {
        Duration peerDeadline = peers.get(peer).get("deadline").as(Duration.class).orElse(deadline);
        // the last runs first: the client span carries the traceparent and sees the deadline's status
        List<ClientInterceptor> interceptors = new ArrayList<>(List.of(new DefaultDeadline(peerDeadline)));
        interceptors.addAll(tracing.grpcClient());
        return ClientInterceptors.intercept(managed(peer), interceptors);
    }

    /** {@code peer} with a stub made by {@code stubs} (e.g. {@code UserServiceGrpc::newBlockingStub}) and its breaker. */
    public <S> Peer<S> peer(String peer, Function<Channel, S> stubs) {
        return new Peer<>(stubs.apply(channel(peer)), breaker(peer));
    }

    // one breaker per peer, shared by every caller of it in this process
    private PeerBreaker breaker(String peer) {
        return breakers.computeIfAbsent(peer, p -> PeerBreaker.create(p, root, () -> managed(p).resetConnectBackoff()));
    }

    /** The target configured for {@code peer}: {@code host:port}, {@code dns:///name:port}, or a list {@code host:port,host:port}. */
    public String target(String peer) {
        return peers.get(peer).get("grpc").asString()
                .orElseThrow(() -> new IllegalStateException("no address for peer '" + peer + "': set peers." + peer + ".grpc=host:port"
                        + " (or host:port,host:port for several instances)"));
    }

    /**
     * A channel to {@code target} with Kedai's settings, as {@code tls}'s service; the caller closes
     * it. {@code target} is {@code host:port}, {@code dns:///name:port} (every address the name has),
     * or a list {@code host:port,host:port} of instances ({@link PeerAddresses}); calls are spread
     * round robin over the instances that are connected, so one that stops is left out and a call
     * goes to the others (only calls in flight on it fail).
     */
    public static ManagedChannel open(String target, GrpcTls tls) {
        return NettyChannelBuilder.forTarget(PeerAddresses.target(target), tls.client())
                .defaultLoadBalancingPolicy("round_robin")
                .withOption(ChannelOption.TCP_NODELAY, true)
                .keepAliveTime(30, TimeUnit.SECONDS)
                .keepAliveTimeout(10, TimeUnit.SECONDS)
                .idleTimeout(5, TimeUnit.MINUTES)
                .build();
    }

    private ManagedChannel managed(String peer) {
        return channels.computeIfAbsent(peer, p -> {
            ManagedChannel channel = open(target(p), tls);
            Thread.ofVirtual().name("grpc-warm-" + p).start(() -> warm(channel));
            return channel;
        });
    }

    /** The state of {@code peer}'s channel, without asking it to connect (tests). */
    ConnectivityState state(String peer) {
        return managed(peer).getState(false);
    }

    // Peers start in any order: a channel that tried too early sits in its reconnect back-off (up
    // to 2 min) and fails calls fast meanwhile, so the back-off is reset after each second of waiting.
    private static void warm(ManagedChannel channel) {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel).withWaitForReady();
        long giveUp = System.nanoTime() + WARM_UP_LIMIT.toNanos();
        while (!channel.isShutdown() && System.nanoTime() < giveUp) {
            try {
                health.withDeadlineAfter(1, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance());
                return;
            } catch (StatusRuntimeException e) {
                switch (e.getStatus().getCode()) {
                    case DEADLINE_EXCEEDED, UNAVAILABLE -> channel.resetConnectBackoff();
                    // any other answer (e.g. UNIMPLEMENTED) came from the peer: the connection is up
                    default -> {
                        return;
                    }
                }
            }
        }
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
        tls.close();
    }
}

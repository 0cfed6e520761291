package dev.kedai.platform.grpc;

import java.util.function.Function;

/**
 * A peer service as its callers use it: a blocking stub on the peer's channel (with the peer's
 * deadline) behind the peer's {@link PeerBreaker}. Made by {@link GrpcChannels#peer}:
 *
 * <pre>{@code
 * Peer<ProductServiceBlockingStub> product = peers.peer("product", ProductServiceGrpc::newBlockingStub);
 * var answer = product.call(stub -> stub.getProducts(request));
 * }</pre>
 *
 * @param <S> the stub type
 */
public final class Peer<S> {

    private final S stub;
    private final PeerBreaker breaker;

    Peer(S stub, PeerBreaker breaker) {
        this.stub = stub;
        this.breaker = breaker;
    }

    /** One call through the breaker; the peer's business refusals come out as {@link PeerRejection}. */
    public <T> T call(Function<S, T> call) {
        return breaker.call(() -> call.apply(stub));
    }

    /** The stub without the breaker: for a best-effort call whose failure must not open the circuit. */
    public S stub() {
        return stub;
    }
}

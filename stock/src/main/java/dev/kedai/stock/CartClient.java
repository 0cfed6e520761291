package dev.kedai.stock;

import dev.kedai.platform.grpc.PeerBreaker;
import dev.kedai.proto.cartorder.v1.AddItemRequest;
import dev.kedai.proto.cartorder.v1.Cart;
import dev.kedai.proto.cartorder.v1.CartServiceGrpc;
import dev.kedai.proto.cartorder.v1.CartServiceGrpc.CartServiceBlockingStub;
import io.grpc.Channel;

/**
 * Carts of the cartorder service (gRPC {@code AddItem}, idempotent by operation id), behind a
 * circuit breaker: while cartorder is down the breaker opens and adds fail at once
 * ({@link PeerBreaker#unreachable}), so {@code /cart/add} queues them without waiting for a deadline.
 */
final class CartClient {

    private final CartServiceBlockingStub stub;
    private final PeerBreaker breaker;

    CartClient(Channel channel, PeerBreaker breaker) {
        this.stub = CartServiceGrpc.newBlockingStub(channel);
        this.breaker = breaker;
    }

    /** Adds to the user's cart; cartorder's refusals come out as {@code PeerRejection}. */
    Cart add(String operationId, String userId, String productId, int quantity, int maxLineQuantity) {
        return breaker.call(() -> stub.addItem(AddItemRequest.newBuilder()
                                                       .setOperationId(operationId).setUserId(userId)
                                                       .setProductId(productId).setQuantity(quantity)
                                                       .setMaxLineQuantity(maxLineQuantity)
                                                       .build()));
    }
}

package dev.kedai.stock;

import dev.kedai.platform.grpc.Peer;
import dev.kedai.platform.grpc.PeerBreaker;
import dev.kedai.proto.cartorder.v1.AddItemRequest;
import dev.kedai.proto.cartorder.v1.Cart;
import dev.kedai.proto.cartorder.v1.CartServiceGrpc.CartServiceBlockingStub;

/**
 * Carts of the cartorder service (gRPC {@code AddItem}, idempotent by operation id), behind a
 * circuit breaker: while cartorder is down the breaker opens and adds fail at once
 * ({@link PeerBreaker#unreachable}), so {@code /cart/add} queues them without waiting for a deadline.
 */
final class CartClient {

    private final Peer<CartServiceBlockingStub> cartorder;

    CartClient(Peer<CartServiceBlockingStub> cartorder) {
        this.cartorder = cartorder;
    }

    /** Adds to the user's cart; cartorder's refusals come out as {@code PeerRejection}. */
    Cart add(String operationId, String userId, String productId, int quantity, int maxLineQuantity) {
        return cartorder.call(stub -> stub.addItem(AddItemRequest.newBuilder()
                                                           .setOperationId(operationId).setUserId(userId)
                                                           .setProductId(productId).setQuantity(quantity)
                                                           .setMaxLineQuantity(maxLineQuantity)
                                                           .build()));
    }
}

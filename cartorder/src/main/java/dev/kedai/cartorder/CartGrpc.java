package dev.kedai.cartorder;

import java.util.ArrayList;
import java.util.List;

import dev.kedai.platform.grpc.GrpcCallers;
import dev.kedai.platform.http.IdempotencyKeyHeader;
import dev.kedai.platform.http.UuidParam;
import dev.kedai.platform.server.Admission;
import dev.kedai.proto.cartorder.v1.AddItemRequest;
import dev.kedai.proto.cartorder.v1.CartServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/**
 * gRPC {@code CartService}: {@code AddItem}, called by stock's {@code POST /cart/add} once it has
 * checked availability. Idempotent by {@code operation_id}: a repeat (a retry, or the fallback
 * command of the same add) returns the cart without adding again.
 */
final class CartGrpc extends CartServiceGrpc.CartServiceImplBase {

    /** Who may call which method (docs/security.md, "Service to service"): stock's /cart/add (CartClient). */
    static final GrpcCallers CALLERS = GrpcCallers.builder()
            .allow(CartServiceGrpc.getAddItemMethod(), "stock")
            .build();

    private final Carts carts;
    private final Admission admission;

    /** {@code admission}: when busy, adds ({@code cart-add}) are refused (RESOURCE_EXHAUSTED) before payments. */
    CartGrpc(Carts carts, Admission admission) {
        this.carts = carts;
        this.admission = admission;
    }

    @Override
    public void addItem(AddItemRequest request, StreamObserver<dev.kedai.proto.cartorder.v1.Cart> response) {
        validate(request);
        Cart cart;
        try {
            cart = admission.call("cart-add", () -> carts.add(request.getOperationId(), request.getUserId(),
                                                              request.getProductId().toLowerCase(java.util.Locale.ROOT),
                                                              request.getQuantity(), request.getMaxLineQuantity()));
        } catch (CartLimitException e) {
            Status status = e.byAvailability() ? Status.FAILED_PRECONDITION : Status.INVALID_ARGUMENT;
            throw status.withDescription(e.getMessage()).asRuntimeException();
        } catch (CartFullException e) {
            throw Status.OUT_OF_RANGE.withDescription(e.getMessage()).asRuntimeException();
        }
        // the database or the product service down (the add itself may be kept) is UNAVAILABLE, busy is
        // RESOURCE_EXHAUSTED: GrpcErrors
        response.onNext(ProtoMapping.cart(cart));
        response.onCompleted();
    }

    static void validate(AddItemRequest r) {
        List<String> problems = new ArrayList<>();
        if (!IdempotencyKeyHeader.isWellFormed(r.getOperationId())) {
            problems.add("operation_id must be 1 to 64 visible ASCII characters");
        }
        if (r.getUserId().isBlank() || r.getUserId().length() > 36) {
            problems.add("user_id is required");
        }
        if (!UuidParam.isValid(r.getProductId())) {
            problems.add("product_id must be a UUID");
        }
        if (r.getQuantity() < 1 || r.getQuantity() > CartLine.MAX_QUANTITY) {
            problems.add("quantity must be between 1 and " + CartLine.MAX_QUANTITY);
        }
        if (r.getMaxLineQuantity() < 0) {
            problems.add("max_line_quantity must be 0 (no limit) or more");
        }
        if (!problems.isEmpty()) {
            throw Status.INVALID_ARGUMENT.withDescription(String.join("; ", problems)).asRuntimeException();
        }
    }
}

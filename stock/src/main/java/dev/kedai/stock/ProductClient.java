package dev.kedai.stock;

import java.util.Optional;

import dev.kedai.platform.grpc.Peer;
import dev.kedai.platform.grpc.PeerRejection;
import dev.kedai.platform.http.ProblemException;
import dev.kedai.proto.product.v1.GetProductsRequest;
import dev.kedai.proto.product.v1.Product;
import dev.kedai.proto.product.v1.ProductServiceGrpc.ProductServiceBlockingStub;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** The product service as {@code /cart/add} asks it (gRPC {@code GetProducts}), behind a circuit breaker. */
final class ProductClient {

    private final Peer<ProductServiceBlockingStub> product;

    ProductClient(Peer<ProductServiceBlockingStub> product) {
        this.product = product;
    }

    /**
     * The product as the catalog has it now; empty when the catalog does not know it.
     *
     * @throws ProblemException 504 when product is too slow, 503 when it cannot be reached (or its circuit is open)
     */
    Optional<Product> product(String productId) {
        try {
            return product.call(stub -> stub.getProducts(GetProductsRequest.newBuilder().addProductIds(productId).build()))
                    .getProductsList().stream().filter(p -> p.getProductId().equals(productId)).findFirst();
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
                throw ProblemException.timeout("the product service is too slow", e);
            }
            throw ProblemException.unavailable("the product service cannot be reached", e);
        } catch (PeerRejection e) {
            throw ProblemException.unavailable("the product service cannot be reached", e);
        }
    }
}

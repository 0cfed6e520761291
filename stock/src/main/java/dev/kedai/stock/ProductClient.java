package dev.kedai.stock;

import java.util.Optional;

import dev.kedai.contracts.CatalogGeneration;
import dev.kedai.platform.grpc.Peer;
import dev.kedai.platform.grpc.PeerRejection;
import dev.kedai.platform.http.ProblemException;
import dev.kedai.platform.redis.GenerationCache;
import dev.kedai.platform.redis.RedisCopies;
import dev.kedai.proto.product.v1.GetProductsRequest;
import dev.kedai.proto.product.v1.Product;
import dev.kedai.proto.product.v1.ProductServiceGrpc.ProductServiceBlockingStub;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * The product service as {@code /cart/add} asks it (gRPC {@code GetProducts}), behind a circuit
 * breaker, each answer kept in memory for the current catalog generation
 * ({@link CatalogGeneration}, which product replaces after every catalog write and before it
 * answers): a burst of adds of the same few products costs one Redis read each instead of a gRPC
 * call and a database query, and an admin's change (deactivation, deletion) is honoured by the
 * very next add. An unknown product is kept too (a creation replaces the token); a failed call is not.
 */
final class ProductClient {

    /**
     * What one kept product weighs beyond its serialized bytes (≈ an estimate): the message and
     * its strings as objects, the key with its generation, the cache's node.
     */
    private static final int ENTRY_OVERHEAD = 400;

    private final Peer<ProductServiceBlockingStub> product;
    private final GenerationCache<String, Optional<Product>> known;

    /**
     * @param maxBytes what the kept products may weigh in all ({@code stock.product-cache.max-bytes}):
     *                 bounded by bytes, not by count, since a product's name is as long as the
     *                 catalog makes it and the heap is small
     */
    ProductClient(Peer<ProductServiceBlockingStub> product, RedisCopies redis, long maxBytes) {
        this.product = product;
        // kedai_stock_product_lookups_total{outcome}
        this.known = GenerationCache.byWeight(redis, CatalogGeneration.KEY, maxBytes,
                answer -> answer.map(Product::getSerializedSize).orElse(0) + ENTRY_OVERHEAD,
                "kedai.stock.product.lookups", "Product lookups of /cart/add by outcome (hit: no gRPC call)");
    }

    /**
     * The product as the catalog has it now; empty when the catalog does not know it.
     *
     * @throws ProblemException 504 when product is too slow, 503 when it cannot be reached (or its circuit is open)
     */
    Optional<Product> product(String productId) {
        return known.get(productId, this::fetch);
    }

    private Optional<Product> fetch(String productId) {
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

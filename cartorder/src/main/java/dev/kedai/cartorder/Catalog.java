package dev.kedai.cartorder;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import dev.kedai.proto.product.v1.GetProductsRequest;
import dev.kedai.proto.product.v1.Product;
import dev.kedai.proto.product.v1.ProductServiceGrpc;
import dev.kedai.proto.product.v1.ProductServiceGrpc.ProductServiceBlockingStub;
import io.grpc.Channel;

/** Current names and prices from the product service (gRPC {@code GetProducts}), behind a circuit breaker. */
final class Catalog {

    private final ProductServiceBlockingStub stub;
    private final PeerBreaker breaker;

    Catalog(Channel channel, PeerBreaker breaker) {
        this.stub = ProductServiceGrpc.newBlockingStub(channel);
        this.breaker = breaker;
    }

    /** The products the catalog knows among {@code ids} (unknown ids are left out; deleted ones are inactive). */
    Map<String, ProductSnapshot> products(Collection<String> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        var answer = breaker.call(() -> stub.getProducts(GetProductsRequest.newBuilder().addAllProductIds(ids).build()));
        Map<String, ProductSnapshot> byId = new HashMap<>();
        for (Product p : answer.getProductsList()) {
            String currency = p.getPrice().getCurrency().isEmpty() ? Money.DEFAULT_CURRENCY : p.getPrice().getCurrency();
            byId.put(p.getProductId(), new ProductSnapshot(p.getProductId(), p.getName(),
                                                           new Money(p.getPrice().getAmount(), currency), p.getActive()));
        }
        return byId;
    }
}

package dev.kedai.cartorder;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import dev.kedai.platform.grpc.Peer;
import dev.kedai.platform.money.Money;
import dev.kedai.proto.product.v1.GetProductsRequest;
import dev.kedai.proto.product.v1.Product;
import dev.kedai.proto.product.v1.ProductServiceGrpc.ProductServiceBlockingStub;

/** Current names and prices from the product service (gRPC {@code GetProducts}), behind a circuit breaker. */
final class ProductClient {

    private final Peer<ProductServiceBlockingStub> product;
    private final String currency;

    /** @param currency what a price without a currency is in ({@code money.default-currency}) */
    ProductClient(Peer<ProductServiceBlockingStub> product, String currency) {
        this.product = product;
        this.currency = currency;
    }

    /** The products the catalog knows among {@code ids} (unknown ids are left out; deleted ones are inactive). */
    Map<String, ProductSnapshot> products(Collection<String> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        var answer = product.call(stub -> stub.getProducts(GetProductsRequest.newBuilder().addAllProductIds(ids).build()));
        Map<String, ProductSnapshot> byId = new HashMap<>();
        for (Product p : answer.getProductsList()) {
            byId.put(p.getProductId(), new ProductSnapshot(p.getProductId(), p.getName(),
                                                           Money.fromProto(p.getPrice(), currency), p.getActive()));
        }
        return byId;
    }
}

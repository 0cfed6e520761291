package dev.kedai.cartorder;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import dev.kedai.platform.grpc.PeerBreaker;
import dev.kedai.platform.money.Money;
import dev.kedai.proto.product.v1.GetProductsRequest;
import dev.kedai.proto.product.v1.Product;
import dev.kedai.proto.product.v1.ProductServiceGrpc;
import dev.kedai.proto.product.v1.ProductServiceGrpc.ProductServiceBlockingStub;
import io.grpc.Channel;

/** Current names and prices from the product service (gRPC {@code GetProducts}), behind a circuit breaker. */
final class ProductClient {

    private final ProductServiceBlockingStub stub;
    private final PeerBreaker breaker;
    private final String currency;

    /** @param currency what a price without a currency is in ({@code money.default-currency}) */
    ProductClient(Channel channel, PeerBreaker breaker, String currency) {
        this.stub = ProductServiceGrpc.newBlockingStub(channel);
        this.breaker = breaker;
        this.currency = currency;
    }

    /** The products the catalog knows among {@code ids} (unknown ids are left out; deleted ones are inactive). */
    Map<String, ProductSnapshot> products(Collection<String> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        var answer = breaker.call(() -> stub.getProducts(GetProductsRequest.newBuilder().addAllProductIds(ids).build()));
        Map<String, ProductSnapshot> byId = new HashMap<>();
        for (Product p : answer.getProductsList()) {
            byId.put(p.getProductId(), new ProductSnapshot(p.getProductId(), p.getName(),
                                                           Money.fromProto(p.getPrice(), currency), p.getActive()));
        }
        return byId;
    }
}

package dev.kedai.product;

import java.util.Set;

import dev.kedai.platform.grpc.GrpcArguments;
import dev.kedai.platform.grpc.GrpcCallers;
import dev.kedai.proto.product.v1.GetProductsRequest;
import dev.kedai.proto.product.v1.GetProductsResponse;
import dev.kedai.proto.product.v1.ProductServiceGrpc;
import io.grpc.stub.StreamObserver;

/** {@code kedai.product.v1.ProductService}: batch reads for cart and checkout. */
public final class ProductGrpc extends ProductServiceGrpc.ProductServiceImplBase {

    /**
     * Who may call which method (docs/security.md, "Service to service"): cartorder prices a cart
     * and a checkout, stock checks a product before /cart/add (each's ProductClient).
     */
    static final GrpcCallers CALLERS = GrpcCallers.builder()
            .allow(ProductServiceGrpc.getGetProductsMethod(), "cartorder", "stock")
            .build();

    static final int MAX_IDS = 1000;

    private final ProductStore store;

    public ProductGrpc(ProductStore store) {
        this.store = store;
    }

    /** Unknown ids are left out; deleted products come back with active = false. */
    @Override
    public void getProducts(GetProductsRequest request, StreamObserver<GetProductsResponse> response) {
        Set<String> ids = GrpcArguments.uuids(request.getProductIdsList(), MAX_IDS, "product ids");
        GetProductsResponse.Builder answer = GetProductsResponse.newBuilder();
        store.byIds(ids).forEach(p -> answer.addProducts(dev.kedai.proto.product.v1.Product.newBuilder()
                .setProductId(p.productId())
                .setSku(p.sku())
                .setName(p.name())
                .setPrice(p.price().toProto())
                .setCategory(p.category())
                .setActive(p.active())));
        response.onNext(answer.build());
        response.onCompleted();
    }
}

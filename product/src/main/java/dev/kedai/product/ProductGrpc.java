package dev.kedai.product;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

import dev.kedai.platform.http.UuidParam;
import dev.kedai.proto.product.v1.GetProductsRequest;
import dev.kedai.proto.product.v1.GetProductsResponse;
import dev.kedai.proto.product.v1.ProductServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/** {@code kedai.product.v1.ProductService}: batch reads for cart and checkout. */
public final class ProductGrpc extends ProductServiceGrpc.ProductServiceImplBase {

    static final int MAX_IDS = 1000;

    private final ProductStore store;

    public ProductGrpc(ProductStore store) {
        this.store = store;
    }

    /** Unknown ids are left out; deleted products come back with active = false. */
    @Override
    public void getProducts(GetProductsRequest request, StreamObserver<GetProductsResponse> response) {
        if (request.getProductIdsCount() > MAX_IDS) {
            throw Status.INVALID_ARGUMENT.withDescription("at most " + MAX_IDS + " product ids").asRuntimeException();
        }
        Set<String> ids = new LinkedHashSet<>();
        for (String id : request.getProductIdsList()) {
            if (!UuidParam.isValid(id)) {
                throw Status.INVALID_ARGUMENT.withDescription("not a UUID: " + id).asRuntimeException();
            }
            ids.add(id.toLowerCase(Locale.ROOT));
        }
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

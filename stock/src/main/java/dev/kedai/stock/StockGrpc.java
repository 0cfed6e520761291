package dev.kedai.stock;

import java.util.LinkedHashSet;
import java.util.Set;

import dev.kedai.platform.http.UuidParam;
import dev.kedai.proto.stock.v1.GetLevelsRequest;
import dev.kedai.proto.stock.v1.GetLevelsResponse;
import dev.kedai.proto.stock.v1.StockServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/**
 * {@code kedai.stock.v1.StockService}. Reserve, Release and Commit come with the order flow
 * (issue 6); until then grpc-java answers them UNIMPLEMENTED.
 */
public final class StockGrpc extends StockServiceGrpc.StockServiceImplBase {

    static final int MAX_IDS = 1000;

    private final StockStore store;

    public StockGrpc(StockStore store) {
        this.store = store;
    }

    /** The levels of the products that exist; unknown ids are left out. */
    @Override
    public void getLevels(GetLevelsRequest request, StreamObserver<GetLevelsResponse> response) {
        if (request.getProductIdsCount() > MAX_IDS) {
            response.onError(Status.INVALID_ARGUMENT.withDescription("at most " + MAX_IDS + " product ids").asRuntimeException());
            return;
        }
        Set<String> ids = new LinkedHashSet<>();
        for (String id : request.getProductIdsList()) {
            if (!UuidParam.isValid(id)) {
                response.onError(Status.INVALID_ARGUMENT.withDescription("not a UUID: " + id).asRuntimeException());
                return;
            }
            ids.add(id.toLowerCase(java.util.Locale.ROOT));
        }
        GetLevelsResponse.Builder answer = GetLevelsResponse.newBuilder();
        store.levels(ids).forEach(level -> answer.addLevels(dev.kedai.proto.stock.v1.StockLevel.newBuilder()
                .setProductId(level.productId())
                .setOnHand(level.onHand())
                .setReserved(level.reserved())
                .setAvailable(level.available())));
        response.onNext(answer.build());
        response.onCompleted();
    }
}

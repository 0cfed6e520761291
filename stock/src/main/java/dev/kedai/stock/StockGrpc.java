package dev.kedai.stock;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import dev.kedai.platform.grpc.GrpcArguments;
import dev.kedai.platform.grpc.GrpcCallers;
import dev.kedai.platform.proto.ProtoTime;
import dev.kedai.proto.stock.v1.CommitRequest;
import dev.kedai.proto.stock.v1.CommitResponse;
import dev.kedai.proto.stock.v1.ExtendRequest;
import dev.kedai.proto.stock.v1.ExtendResponse;
import dev.kedai.proto.stock.v1.GetLevelsRequest;
import dev.kedai.proto.stock.v1.GetLevelsResponse;
import dev.kedai.proto.stock.v1.ReleaseRequest;
import dev.kedai.proto.stock.v1.ReleaseResponse;
import dev.kedai.proto.stock.v1.ReserveRequest;
import dev.kedai.proto.stock.v1.ReserveResponse;
import dev.kedai.proto.stock.v1.StockServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

import static dev.kedai.platform.grpc.GrpcArguments.invalid;

/**
 * {@code kedai.stock.v1.StockService}, called by cartorder at checkout (Reserve), payment (Extend) and
 * cancel (Release).
 * Every call is idempotent by order id. Bad requests are INVALID_ARGUMENT before any SQL runs;
 * what else a call throws becomes its status in the platform's {@code GrpcErrors}.
 */
public final class StockGrpc extends StockServiceGrpc.StockServiceImplBase {

    /**
     * Who may call which method (docs/security.md, "Service to service"): cartorder reserves at
     * checkout, releases what it cannot use (StockClient) and may commit a paid order's reservation
     * (the OrderPaid event normally does; Commit is idempotent). GetLevels has no caller.
     */
    static final GrpcCallers CALLERS = GrpcCallers.builder()
            .allow(StockServiceGrpc.getReserveMethod(), "cartorder")
            .allow(StockServiceGrpc.getReleaseMethod(), "cartorder")
            .allow(StockServiceGrpc.getExtendMethod(), "cartorder")
            .allow(StockServiceGrpc.getCommitMethod(), "cartorder")
            .allowNone(StockServiceGrpc.getGetLevelsMethod())
            .build();

    static final int MAX_IDS = 1000;
    static final int MAX_LINES = 100;
    /** Per line, as a cart line holds at most 99 (an order merges nothing, but stays sane). */
    static final int MAX_QUANTITY = 10_000;
    static final int MAX_TTL_SECONDS = 24 * 3600;

    private final StockStore store;
    private final Warehouse warehouse;
    private final Duration defaultTtl;

    public StockGrpc(StockStore store, Warehouse warehouse, Duration defaultTtl) {
        this.store = store;
        this.warehouse = warehouse;
        this.defaultTtl = defaultTtl;
    }

    @Override
    public void reserve(ReserveRequest request, StreamObserver<ReserveResponse> response) {
        String orderId = GrpcArguments.uuid(request.getOrderId(), "order_id");
        if (request.getLinesCount() == 0 || request.getLinesCount() > MAX_LINES) {
            throw invalid("an order has 1 to " + MAX_LINES + " lines");
        }
        // one line per product: a repeated product adds up
        Map<String, Integer> quantities = new LinkedHashMap<>();
        for (var line : request.getLinesList()) {
            String productId = GrpcArguments.uuid(line.getProductId(), "product_id");
            if (line.getQuantity() < 1 || line.getQuantity() > MAX_QUANTITY) {
                throw invalid("quantity must be 1 to " + MAX_QUANTITY + ", got " + line.getQuantity());
            }
            quantities.merge(productId, line.getQuantity(), Integer::sum);
        }
        if (quantities.values().stream().anyMatch(q -> q > MAX_QUANTITY)) {
            throw invalid("quantity of one product must be at most " + MAX_QUANTITY);
        }
        if (request.getTtlSeconds() < 0 || request.getTtlSeconds() > MAX_TTL_SECONDS) {
            throw invalid("ttl_seconds must be 0 (default) to " + MAX_TTL_SECONDS);
        }
        int ttl = request.getTtlSeconds() == 0 ? (int) defaultTtl.toSeconds() : request.getTtlSeconds();
        List<Line> lines = quantities.entrySet().stream().map(e -> new Line(e.getKey(), e.getValue())).toList();
        ReserveOutcome outcome = refusals(() -> warehouse.reserve(orderId, lines, ttl));
        ReserveResponse.Builder answer = ReserveResponse.newBuilder().setReserved(outcome.reserved());
        outcome.shortages().forEach(s -> answer.addShortages(s.toProto()));
        if (outcome.expiresAt() != null) {
            answer.setExpiresAt(ProtoTime.timestamp(outcome.expiresAt()));
        }
        response.onNext(answer.build());
        response.onCompleted();
    }

    @Override
    public void release(ReleaseRequest request, StreamObserver<ReleaseResponse> response) {
        String orderId = GrpcArguments.uuid(request.getOrderId(), "order_id");
        response.onNext(ReleaseResponse.newBuilder().setReleased(refusals(() -> warehouse.release(orderId))).build());
        response.onCompleted();
    }

    @Override
    public void extend(ExtendRequest request, StreamObserver<ExtendResponse> response) {
        String orderId = GrpcArguments.uuid(request.getOrderId(), "order_id");
        if (request.getTtlSeconds() < 1 || request.getTtlSeconds() > MAX_TTL_SECONDS) {
            throw invalid("ttl_seconds must be 1 to " + MAX_TTL_SECONDS);
        }
        response.onNext(ExtendResponse.newBuilder()
                                .setExpiresAt(ProtoTime.timestamp(refusals(() -> warehouse.extend(orderId, request.getTtlSeconds()))))
                                .build());
        response.onCompleted();
    }

    @Override
    public void commit(CommitRequest request, StreamObserver<CommitResponse> response) {
        String orderId = GrpcArguments.uuid(request.getOrderId(), "order_id");
        response.onNext(CommitResponse.newBuilder().setCommittedNow(refusals(() -> warehouse.commit(orderId))).build());
        response.onCompleted();
    }

    /** The levels of the products that exist; unknown ids are left out. */
    @Override
    public void getLevels(GetLevelsRequest request, StreamObserver<GetLevelsResponse> response) {
        Set<String> ids = GrpcArguments.uuids(request.getProductIdsList(), MAX_IDS, "product ids");
        GetLevelsResponse.Builder answer = GetLevelsResponse.newBuilder();
        store.levels(ids).forEach(level -> answer.addLevels(dev.kedai.proto.stock.v1.StockLevel.newBuilder()
                .setProductId(level.productId())
                .setOnHand(level.onHand())
                .setReserved(level.reserved())
                .setAvailable(level.available())));
        response.onNext(answer.build());
        response.onCompleted();
    }

    // the domain's refusals as the status codes the contract names; the platform's GrpcErrors maps the rest
    private static <T> T refusals(Supplier<T> call) {
        try {
            return call.get();
        } catch (UnknownOrderException e) {
            throw Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException();
        } catch (ReservationStateException e) {
            throw Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException();
        }
    }
}

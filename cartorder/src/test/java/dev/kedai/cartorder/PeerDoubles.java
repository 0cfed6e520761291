package dev.kedai.cartorder;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import dev.kedai.platform.grpc.GrpcServer;
import dev.kedai.proto.common.v1.Money;
import dev.kedai.proto.product.v1.GetProductsRequest;
import dev.kedai.proto.product.v1.GetProductsResponse;
import dev.kedai.proto.product.v1.Product;
import dev.kedai.proto.product.v1.ProductServiceGrpc;
import dev.kedai.proto.stock.v1.Line;
import dev.kedai.proto.stock.v1.ReleaseRequest;
import dev.kedai.proto.stock.v1.ReleaseResponse;
import dev.kedai.proto.stock.v1.ReserveRequest;
import dev.kedai.proto.stock.v1.ReserveResponse;
import dev.kedai.proto.stock.v1.Shortage;
import dev.kedai.proto.stock.v1.StockServiceGrpc;
import dev.kedai.proto.user.v1.Address;
import dev.kedai.proto.user.v1.GetAddressRequest;
import dev.kedai.proto.user.v1.UserServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/**
 * Contract-level doubles of cartorder's peers (product GetProducts, stock Reserve/Release, user
 * GetAddress) served over a real gRPC socket, so tests can make a peer short, slow or down
 * (one server per peer: {@link #stop(String)} refuses connections, {@link #start(String)} serves again on the same port).
 */
final class PeerDoubles implements AutoCloseable {

    /** product id → product. */
    final Map<String, Product> products = new ConcurrentHashMap<>();
    /** product id → available units. */
    final Map<String, Integer> available = new ConcurrentHashMap<>();
    /** order id → its reserve request (kept once per order: Reserve is idempotent by order id). */
    final Map<String, ReserveRequest> reservations = new ConcurrentHashMap<>();
    final List<String> releases = new CopyOnWriteArrayList<>();
    final AtomicInteger reserveCalls = new AtomicInteger();
    final AtomicInteger productCalls = new AtomicInteger();
    /** (user id + "/" + address id) → address. */
    final Map<String, Address> addresses = new ConcurrentHashMap<>();
    volatile Duration stockDelay = Duration.ZERO;

    /** Peer name (product, stock, user) → its port and running server. */
    private final Map<String, Integer> ports = new ConcurrentHashMap<>();
    private final Map<String, GrpcServer> servers = new ConcurrentHashMap<>();

    PeerDoubles() {
        for (String peer : List.of("product", "stock", "user")) {
            GrpcServer server = build(peer, 0).start();
            servers.put(peer, server);
            ports.put(peer, server.port());
        }
    }

    int port(String peer) {
        return ports.get(peer);
    }

    /** The peer goes down: its port refuses connections. */
    synchronized void stop(String peer) {
        GrpcServer server = servers.remove(peer);
        if (server != null) {
            server.close();
        }
    }

    /** The peer comes back on the same port. */
    synchronized void start(String peer) {
        servers.computeIfAbsent(peer, p -> build(p, ports.get(p)).start());
    }

    @Override
    public void close() {
        List.copyOf(servers.keySet()).forEach(this::stop);
    }

    void product(String id, String name, long price, boolean active) {
        products.put(id, Product.newBuilder().setProductId(id).setSku("sku-" + id.substring(30)).setName(name)
                .setPrice(Money.newBuilder().setAmount(price).setCurrency("IDR")).setCategory("test")
                .setActive(active).build());
        available.putIfAbsent(id, 1_000);
    }

    void address(String userId, String addressId) {
        addresses.put(userId + "/" + addressId, Address.newBuilder().setAddressId(addressId).setUserId(userId)
                .setLabel("home").setRecipient("R").setLine1("Jl. 1").setCity("Jakarta").setPostalCode("10110")
                .setCountry("ID").build());
    }

    private GrpcServer build(String peer, int p) {
        io.grpc.BindableService service = switch (peer) {
            case "product" -> new ProductDouble();
            case "stock" -> new StockDouble();
            default -> new UserDouble();
        };
        return GrpcServer.builder(p).host("127.0.0.1").shutdownGrace(Duration.ofMillis(100)).addService(service).build();
    }

    private final class ProductDouble extends ProductServiceGrpc.ProductServiceImplBase {
        @Override
        public void getProducts(GetProductsRequest request, StreamObserver<GetProductsResponse> response) {
            productCalls.incrementAndGet();
            GetProductsResponse.Builder b = GetProductsResponse.newBuilder();
            request.getProductIdsList().stream().map(products::get).filter(java.util.Objects::nonNull)
                    .forEach(b::addProducts);
            response.onNext(b.build());
            response.onCompleted();
        }
    }

    private final class StockDouble extends StockServiceGrpc.StockServiceImplBase {
        @Override
        public void reserve(ReserveRequest request, StreamObserver<ReserveResponse> response) {
            reserveCalls.incrementAndGet();
            if (!stockDelay.isZero()) {
                try {
                    Thread.sleep(stockDelay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            synchronized (PeerDoubles.this) {
                if (reservations.containsKey(request.getOrderId())) {
                    response.onNext(ReserveResponse.newBuilder().setReserved(true).build());
                    response.onCompleted();
                    return;
                }
                ReserveResponse.Builder b = ReserveResponse.newBuilder();
                for (Line l : request.getLinesList()) {
                    int have = available.getOrDefault(l.getProductId(), 0);
                    if (have < l.getQuantity()) {
                        b.addShortages(Shortage.newBuilder().setProductId(l.getProductId())
                                               .setRequested(l.getQuantity()).setAvailable(have));
                    }
                }
                if (b.getShortagesCount() == 0) {
                    request.getLinesList().forEach(l -> available.merge(l.getProductId(), -l.getQuantity(), Integer::sum));
                    reservations.put(request.getOrderId(), request);
                    b.setReserved(true);
                }
                response.onNext(b.build());
                response.onCompleted();
            }
        }

        @Override
        public void release(ReleaseRequest request, StreamObserver<ReleaseResponse> response) {
            synchronized (PeerDoubles.this) {
                releases.add(request.getOrderId());
                ReserveRequest held = reservations.remove(request.getOrderId());
                if (held != null) {
                    held.getLinesList().forEach(l -> available.merge(l.getProductId(), l.getQuantity(), Integer::sum));
                }
                response.onNext(ReleaseResponse.newBuilder().setReleased(held != null).build());
                response.onCompleted();
            }
        }
    }

    private final class UserDouble extends UserServiceGrpc.UserServiceImplBase {
        @Override
        public void getAddress(GetAddressRequest request, StreamObserver<Address> response) {
            Address a = addresses.get(request.getUserId() + "/" + request.getAddressId());
            if (a == null) {
                response.onError(Status.NOT_FOUND.withDescription("no such address").asRuntimeException());
                return;
            }
            response.onNext(a);
            response.onCompleted();
        }
    }
}

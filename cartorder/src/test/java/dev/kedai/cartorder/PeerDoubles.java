package dev.kedai.cartorder;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.google.protobuf.Timestamp;

import dev.kedai.platform.grpc.GrpcServer;
import dev.kedai.platform.testing.TestIdentities;
import dev.kedai.proto.common.v1.Money;
import dev.kedai.proto.product.v1.GetProductsRequest;
import dev.kedai.proto.product.v1.GetProductsResponse;
import dev.kedai.proto.product.v1.Product;
import dev.kedai.proto.product.v1.ProductServiceGrpc;
import dev.kedai.platform.proto.ProtoTime;
import dev.kedai.proto.stock.v1.ExtendRequest;
import dev.kedai.proto.stock.v1.ExtendResponse;
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
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;

/**
 * Contract-level doubles of cartorder's peers (product GetProducts, stock Reserve/Release, user
 * GetAddress) served over a real gRPC socket, so tests can make a peer short, slow or down
 * (one server per peer: {@link #stop(String)} refuses connections, {@link #start(String)} serves again on the same port).
 *
 * <p>The stock double answers as stock does: {@code StockDoubleContractTest} runs the same
 * {@code StockServiceContract} against it that stock's own tests run against the real service.
 */
final class PeerDoubles implements AutoCloseable {

    /** product id → product. */
    final Map<String, Product> products = new ConcurrentHashMap<>();
    /** product id → available units. */
    final Map<String, Integer> available = new ConcurrentHashMap<>();
    /** order id → what stock holds for it (Reserve is idempotent by order id; a released id stays released). */
    final Map<String, Reservation> reservations = new ConcurrentHashMap<>();
    /** Every Reserve that reached the double, in order (repeats included). */
    final List<ReserveRequest> reserveLog = new CopyOnWriteArrayList<>();
    final List<String> releases = new CopyOnWriteArrayList<>();
    /** order id → the ttl_seconds of its last Extend. */
    final Map<String, Integer> extensions = new ConcurrentHashMap<>();
    final AtomicInteger reserveCalls = new AtomicInteger();
    final AtomicInteger productCalls = new AtomicInteger();
    final AtomicInteger addressCalls = new AtomicInteger();
    /** (user id + "/" + address id) → address. */
    final Map<String, Address> addresses = new ConcurrentHashMap<>();
    /** While set, every Reserve waits for it before it is handled: a stock that does not answer in time. */
    volatile CountDownLatch stockStall;
    /** While set, every Release waits for it before it is handled: a stock that takes Releases and answers none in time. */
    volatile CountDownLatch releaseStall;
    /** While set, GetProducts answers only once it is counted down (a product service too slow). */
    volatile CountDownLatch productStall;
    /** While set, GetAddress answers with this status: a user service that is up but failing. */
    volatile Status userFailure;
    /** While set, Reserve and Extend answer with this status: a stock that is up and refuses or fails them. */
    volatile Status stockFailure;

    /** A reservation of the stock double: the merged lines it holds, until when, and whether it was released. */
    record Reservation(ReserveRequest request, Map<String, Integer> lines, Timestamp expiresAt, boolean released) {
    }

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
        for (CountDownLatch stall : java.util.Arrays.asList(stockStall, releaseStall, productStall)) {
            if (stall != null) {
                stall.countDown();
            }
        }
        List.copyOf(servers.keySet()).forEach(this::stop);
    }

    void product(String id, String name, long price, boolean active) {
        products.put(id, Product.newBuilder().setProductId(id).setSku("sku-" + id.substring(30)).setName(name)
                .setPrice(Money.newBuilder().setAmount(price).setCurrency("IDR")).setCategory("test")
                .setActive(active).build());
        available.putIfAbsent(id, 1_000);
    }

    /** Stock's sweeper released the order's reservation: its units are back, Reserve and Extend are refused. */
    void expire(String orderId) {
        release(orderId);
    }

    /** Whether stock holds units for the order right now (reserved, not released or expired). */
    boolean holds(String orderId) {
        Reservation held = reservations.get(orderId);
        return held != null && !held.released();
    }

    /** When stock lets the order's reservation go (null when it holds none). */
    Instant expiry(String orderId) {
        Reservation held = reservations.get(orderId);
        return held == null ? null : ProtoTime.instant(held.expiresAt());
    }

    /** Moves the expiry of the order's reservation (a reservation made earlier than the test). */
    synchronized void expireAt(String orderId, Instant at) {
        Reservation held = reservations.get(orderId);
        reservations.put(orderId, new Reservation(held.request(), held.lines(), ProtoTime.timestamp(at), held.released()));
    }

    /** Extends as stock's Extend does: never shortens a hold; NOT_FOUND unknown, FAILED_PRECONDITION released. */
    private synchronized ExtendResponse extend(ExtendRequest request) {
        String orderId = request.getOrderId();
        Reservation held = reservations.get(orderId);
        if (held == null) {
            throw Status.NOT_FOUND.withDescription("no reservation for order " + orderId).asRuntimeException();
        }
        if (held.released()) {
            throw Status.FAILED_PRECONDITION.withDescription("the reservation of order " + orderId
                    + " was released or expired").asRuntimeException();
        }
        extensions.put(orderId, request.getTtlSeconds());
        Instant later = Instant.now().plusSeconds(request.getTtlSeconds());
        if (later.isAfter(ProtoTime.instant(held.expiresAt()))) {
            held = new Reservation(held.request(), held.lines(), ProtoTime.timestamp(later), false);
            reservations.put(orderId, held);
        }
        return ExtendResponse.newBuilder().setExpiresAt(held.expiresAt()).build();
    }

    void address(String userId, String addressId) {
        addresses.put(userId + "/" + addressId, Address.newBuilder().setAddressId(addressId).setUserId(userId)
                .setLabel("home").setRecipient("R").setLine1("Jl. 1").setCity("Jakarta").setPostalCode("10110")
                .setCountry("ID").build());
    }

    /** Reserves as stock's Reserve does (a test's stand-in for a call made by a process that died since). */
    ReserveResponse reserve(ReserveRequest request) {
        validate(request);
        synchronized (this) {
            Reservation existing = reservations.get(request.getOrderId());
            if (existing != null) {
                if (existing.released()) {
                    throw Status.FAILED_PRECONDITION.withDescription("order " + request.getOrderId()
                            + " was released").asRuntimeException();
                }
                return ReserveResponse.newBuilder().setReserved(true).setExpiresAt(existing.expiresAt()).build();
            }
            Map<String, Integer> lines = new TreeMap<>();
            request.getLinesList().forEach(l -> lines.merge(l.getProductId().toLowerCase(Locale.ROOT), l.getQuantity(),
                                                            Integer::sum));
            ReserveResponse.Builder answer = ReserveResponse.newBuilder();
            lines.forEach((product, quantity) -> {
                int have = available.getOrDefault(product, 0);
                if (have < quantity) {
                    answer.addShortages(Shortage.newBuilder().setProductId(product).setRequested(quantity)
                                                .setAvailable(have));
                }
            });
            if (answer.getShortagesCount() > 0) {
                return answer.build();   // nothing held, the order id stays free
            }
            lines.forEach((product, quantity) -> available.merge(product, -quantity, Integer::sum));
            Instant expires = Instant.now().plusSeconds(request.getTtlSeconds() == 0 ? 900 : request.getTtlSeconds());
            Timestamp expiresAt = ProtoTime.timestamp(expires);
            reservations.put(request.getOrderId(), new Reservation(request, lines, expiresAt, false));
            return answer.setReserved(true).setExpiresAt(expiresAt).build();
        }
    }

    private static void validate(ReserveRequest request) {
        if (!isUuid(request.getOrderId())) {
            throw invalid("order_id must be a UUID");
        }
        if (request.getLinesCount() == 0 || request.getLinesCount() > 100) {
            throw invalid("an order has 1 to 100 lines");
        }
        for (Line l : request.getLinesList()) {
            if (!isUuid(l.getProductId()) || l.getQuantity() < 1 || l.getQuantity() > 10_000) {
                throw invalid("bad line " + l.getProductId() + " x " + l.getQuantity());
            }
        }
        if (request.getTtlSeconds() < 0 || request.getTtlSeconds() > 24 * 3600) {
            throw invalid("ttl_seconds must be 0 to 86400");
        }
    }

    private synchronized boolean release(String orderId) {
        if (!isUuid(orderId)) {
            throw invalid("order_id must be a UUID");
        }
        Reservation held = reservations.get(orderId);
        if (held == null) {
            // a Release that overtook its Reserve: the tombstone refuses that Reserve when it arrives
            reservations.put(orderId, new Reservation(null, Map.of(), Timestamp.getDefaultInstance(), true));
            return false;
        }
        if (held.released()) {
            return false;
        }
        held.lines().forEach((product, quantity) -> available.merge(product, quantity, Integer::sum));
        reservations.put(orderId, new Reservation(held.request(), held.lines(), held.expiresAt(), true));
        return true;
    }

    private static boolean isUuid(String s) {
        try {
            return s.length() == 36 && UUID.fromString(s) != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static StatusRuntimeException invalid(String description) {
        return Status.INVALID_ARGUMENT.withDescription(description).asRuntimeException();
    }

    private GrpcServer build(String peer, int p) {
        io.grpc.BindableService service = switch (peer) {
            case "product" -> new ProductDouble();
            case "stock" -> new StockDouble();
            default -> new UserDouble();
        };
        return GrpcServer.builder(p).host("127.0.0.1").tls(TestIdentities.tls(peer))
                .callers(TestIdentities.allowingAll("cartorder", service))
                .shutdownGrace(Duration.ofMillis(100)).addService(service).build();
    }

    private final class ProductDouble extends ProductServiceGrpc.ProductServiceImplBase {
        @Override
        public void getProducts(GetProductsRequest request, StreamObserver<GetProductsResponse> response) {
            productCalls.incrementAndGet();
            StockDouble.waitFor(productStall);
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
            reserveLog.add(request);
            waitFor(stockStall);
            answer(response, () -> PeerDoubles.this.reserve(failing(request)));
        }

        @Override
        public void release(ReleaseRequest request, StreamObserver<ReleaseResponse> response) {
            releases.add(request.getOrderId());
            waitFor(releaseStall);
            answer(response, () -> ReleaseResponse.newBuilder()
                    .setReleased(PeerDoubles.this.release(request.getOrderId())).build());
        }

        private <T> T failing(T request) {
            Status failure = stockFailure;
            if (failure != null) {
                throw failure.asRuntimeException();
            }
            return request;
        }

        private static void waitFor(CountDownLatch stall) {
            if (stall != null) {
                try {
                    stall.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private <T> void answer(StreamObserver<T> response, java.util.function.Supplier<T> call) {
            T result;
            try {
                result = call.get();
            } catch (StatusRuntimeException e) {
                response.onError(e);
                return;
            }
            response.onNext(result);
            response.onCompleted();
        }

        @Override
        public void extend(ExtendRequest request, StreamObserver<ExtendResponse> response) {
            answer(response, () -> PeerDoubles.this.extend(failing(request)));
        }
    }

    private final class UserDouble extends UserServiceGrpc.UserServiceImplBase {
        @Override
        public void getAddress(GetAddressRequest request, StreamObserver<Address> response) {
            addressCalls.incrementAndGet();
            Status failure = userFailure;
            if (failure != null) {
                response.onError(failure.asRuntimeException());
                return;
            }
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

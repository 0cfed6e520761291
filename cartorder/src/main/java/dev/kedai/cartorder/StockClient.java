package dev.kedai.cartorder;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import dev.kedai.platform.grpc.Peer;
import dev.kedai.platform.health.SupervisedLoop;
import dev.kedai.platform.proto.ProtoTime;
import dev.kedai.proto.stock.v1.ExtendRequest;
import dev.kedai.proto.stock.v1.Line;
import dev.kedai.proto.stock.v1.ReleaseRequest;
import dev.kedai.proto.stock.v1.ReserveRequest;
import dev.kedai.proto.stock.v1.ReserveResponse;
import dev.kedai.proto.stock.v1.StockServiceGrpc.StockServiceBlockingStub;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Reservations of the stock service (gRPC {@code Reserve}/{@code Extend}/{@code Release}, idempotent by order id),
 * through the circuit breaker. A Release that cannot be made is never fatal: the OrderCancelled
 * event releases it too, and a reservation nobody releases expires (stock's sweeper).
 */
final class StockClient {

    private static final System.Logger LOG = System.getLogger(StockClient.class.getName());

    /** A background Release is tried again while stock answers none of these (down, restarting, overloaded)... */
    private static final Set<Status.Code> UNREACHED = Set.of(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED,
                                                            Status.Code.RESOURCE_EXHAUSTED, Status.Code.ABORTED);
    /** ... for this long at most: then the order reconciler, whose record of the checkout stays, takes it over. */
    private static final Duration RELEASE_RETRY_FOR = Duration.ofMinutes(5);
    private static final Duration RELEASE_BACKOFF = Duration.ofMillis(250);
    private static final Duration RELEASE_MAX_BACKOFF = Duration.ofSeconds(5);

    private final Peer<StockServiceBlockingStub> stock;

    StockClient(Peer<StockServiceBlockingStub> stock) {
        this.stock = stock;
    }

    /** A line to reserve. */
    record Wanted(String productId, int quantity) {
    }

    /** Stock's answer: reserved, or the lines it is short of. */
    record Reservation(boolean reserved, List<Shortage> shortages, Instant expiresAt) {
    }

    /** One line stock cannot cover: {@code {product_id, requested, available}} in a 409. */
    record Shortage(String productId, int requested, int available) {
    }

    /** Reserves every line or none for {@code orderId}, for {@code ttl}. */
    Reservation reserve(String orderId, List<Wanted> lines, Duration ttl) {
        ReserveRequest.Builder request = ReserveRequest.newBuilder()
                .setOrderId(orderId)
                .setTtlSeconds((int) Math.max(1, ttl.toSeconds()));
        lines.forEach(l -> request.addLines(Line.newBuilder().setProductId(l.productId()).setQuantity(l.quantity())));
        ReserveResponse answer = stock.call(stub -> stub.reserve(request.build()));
        List<Shortage> shortages = answer.getShortagesList().stream()
                .map(s -> new Shortage(s.getProductId(), s.getRequested(), s.getAvailable()))
                .toList();
        Instant expires = answer.hasExpiresAt() ? ProtoTime.instant(answer.getExpiresAt()) : null;
        return new Reservation(answer.getReserved(), shortages, expires);
    }

    /**
     * Keeps {@code orderId}'s units held for at least {@code hold} from now (never shortens the hold).
     *
     * @return when the reservation expires now
     * @throws dev.kedai.platform.grpc.PeerRejection NOT_FOUND / FAILED_PRECONDITION when stock holds nothing
     *                                               for the order any more (unknown, released or expired)
     */
    Instant extend(String orderId, Duration hold) {
        return ProtoTime.instant(stock.call(stub -> stub.extend(ExtendRequest.newBuilder()
                .setOrderId(orderId).setTtlSeconds((int) Math.max(1, hold.toSeconds())).build())).getExpiresAt());
    }

    /**
     * Releases {@code orderId}'s reservation now; false (logged) when stock could not be asked, so
     * the caller's answer does not depend on it.
     */
    boolean release(String orderId) {
        try {
            stock.call(stub -> stub.release(ReleaseRequest.newBuilder().setOrderId(orderId).build()));
            return true;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "releasing the reservation of order " + orderId + " failed (" + e
                    + "); the OrderCancelled event releases it");
            return false;
        }
    }

    /**
     * Releases {@code orderId}'s reservation now, past the circuit breaker: the reconciler gives
     * back units nobody will order, and the breaker — open while customers' Reserves time out under
     * load — must not keep them held. False (logged) when stock could not be asked.
     */
    boolean releaseAbandoned(String orderId) {
        try {
            stock.stub().release(ReleaseRequest.newBuilder().setOrderId(orderId).build());
            return true;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "releasing the reservation of abandoned checkout " + orderId + " failed (" + e
                    + "); tried again later");
            return false;
        }
    }

    /**
     * Asks stock to release {@code orderId}'s reservation, without waiting. Used when a checkout
     * failed after its Reserve was sent and stock may hold units for an order that will never
     * exist; nothing else in this process knows that order id. First {@code fence} must say the
     * order was not stored (and can no longer be): until it can answer — the database away or its
     * pool lending nothing, typically for the reason the checkout failed — it is asked again. Then
     * the Release is tried again while stock cannot be reached or sheds it — typically a stock
     * restart, whose Reserve committed but whose answer was lost. Both back off up to
     * {@link #RELEASE_MAX_BACKOFF}, for at most {@link #RELEASE_RETRY_FOR}; after that, or if this
     * process dies, the order reconciler releases it ({@link Checkout#releaseAbandoned}).
     *
     * @param fence    true when the order was not stored and never will be: its units are to be given back;
     *                 false when it was stored (or its reservation given back already): nothing to do
     * @param released runs once stock has released it
     */
    void releaseInBackground(String orderId, java.util.function.BooleanSupplier fence, Runnable released) {
        Thread.ofVirtual().name("release-" + orderId).start(() -> {
            long giveUp = System.nanoTime() + RELEASE_RETRY_FOR.toNanos();
            boolean fenced = false;
            for (int attempt = 1; ; attempt++) {
                try {
                    if (!fenced) {
                        if (!fence.getAsBoolean()) {
                            return;
                        }
                        fenced = true;
                    }
                    stock.stub().release(ReleaseRequest.newBuilder().setOrderId(orderId).build());
                    if (attempt > 1) {
                        LOG.log(Level.INFO, "released the reservation of order " + orderId + " at attempt " + attempt);
                    }
                    released.run();
                    return;
                } catch (StatusRuntimeException e) {
                    if (!UNREACHED.contains(e.getStatus().getCode()) || System.nanoTime() > giveUp) {
                        LOG.log(Level.WARNING, "releasing the reservation of order " + orderId + " failed after "
                                + attempt + " attempt(s); the order reconciler releases it", e);
                        return;
                    }
                    if (attempt == 1) {
                        LOG.log(Level.INFO, "releasing the reservation of order " + orderId + " failed (" + e.getStatus()
                                + "); trying again until stock answers");
                    }
                } catch (RuntimeException e) {
                    if (fenced || System.nanoTime() > giveUp) {
                        LOG.log(Level.WARNING, "releasing the reservation of order " + orderId
                                + " failed; the order reconciler releases it", e);
                        return;
                    }
                    if (attempt == 1) {
                        LOG.log(Level.INFO, "whether order " + orderId + " was stored cannot be told now (" + e
                                + "); asking again before its reservation is released");
                    }
                }
                try {
                    Thread.sleep(SupervisedLoop.backoff(RELEASE_BACKOFF, RELEASE_MAX_BACKOFF, attempt));
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }
}

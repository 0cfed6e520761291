package dev.kedai.cartorder;

import java.time.Clock;

import dev.kedai.platform.db.Transactions;
import dev.kedai.platform.events.ConsumedEvent;
import dev.kedai.platform.http.ProblemException;
import dev.kedai.proto.stock.v1.ReservationCommitted;
import dev.kedai.proto.stock.v1.ReservationExpired;
import dev.kedai.proto.stock.v1.ReservationLost;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbTransaction;

/**
 * The transitions of an order other than payment: cancel by the user (the reservation is released
 * at stock before the answer; the OrderCancelled event releases it too, should that call fail),
 * CANCELLED when stock's reservation expired (or the order's own expiry passed), FULFILLED when stock
 * committed a paid order, CANCELLED and refunded when stock lost a paid order's units.
 */
final class OrderLifecycle {

    static final String USER = "USER";
    static final String EXPIRED = "EXPIRED";
    static final String OUT_OF_STOCK = "OUT_OF_STOCK";

    private final DbClient db;
    private final Transactions transactions;
    private final PaymentStore attempts;
    private final Payments payments;
    private final OrderEvents events;
    private final StockClient stock;
    private final Clock clock;

    OrderLifecycle(DbClient db, Transactions transactions, PaymentStore attempts, Payments payments,
                   OrderEvents events, StockClient stock, Clock clock) {
        this.clock = clock;
        this.db = db;
        this.transactions = transactions;
        this.attempts = attempts;
        this.payments = payments;
        this.events = events;
        this.stock = stock;
    }

    /**
     * PENDING_PAYMENT → CANCELLED, then the reservation released at stock before the answer (also when
     * it was cancelled before: a release that failed then is tried again); 409 when paid or while a
     * payment runs.
     */
    Order cancel(String userId, String orderId) {
        payments.settleAbandoned(orderId);
        boolean cancelled = transactions.inTransaction(tx -> {
            OrderStore.OrderHead head = OrderStore.lock(tx, orderId)
                    .filter(h -> h.userId().equals(userId))
                    .orElseThrow(() -> ProblemException.notFound("order " + orderId + " does not exist"));
            switch (head.status()) {
                case "PAID", "FULFILLED" -> throw ProblemException.conflict("order " + orderId + " is paid");
                case "PENDING_PAYMENT" -> {
                    if (!attempts.pending(tx, orderId).isEmpty()) {
                        throw ProblemException.conflict("a payment for order " + orderId + " is in progress");
                    }
                    boolean changed = OrderStore.markCancelled(tx, orderId, USER);
                    events.cancelled(tx, userId, orderId, USER);
                    return changed;
                }
                default -> {
                    return false;   // already cancelled: cancelling is idempotent
                }
            }
        });
        if (cancelled) {
            OrderCounters.cancelled("user");
        }
        stock.release(orderId);
        return OrderStore.find(db.execute(), userId, orderId).orElseThrow();
    }

    /**
     * An unpaid order past its {@code expires_at} with no payment in flight → CANCELLED (EXPIRED),
     * then its reservation released; false when it was paid, cancelled or being paid meanwhile.
     */
    boolean expire(String orderId) {
        String userId = transactions.inTransaction(tx -> {
            OrderStore.OrderHead head = OrderStore.lock(tx, orderId).orElse(null);
            if (head == null || !"PENDING_PAYMENT".equals(head.status()) || clock.instant().isBefore(head.expiresAt())
                    || !attempts.pending(tx, orderId).isEmpty()) {
                return null;
            }
            OrderStore.markCancelled(tx, orderId, EXPIRED);
            events.cancelled(tx, head.userId(), orderId, EXPIRED);
            return head.userId();
        });
        if (userId == null) {
            return false;
        }
        OrderCounters.cancelled("expired");
        stock.release(orderId);
        return true;
    }

    /** ReservationExpired: an unpaid order is cancelled (stock already released its stock). */
    void onReservationExpired(DbTransaction tx, ConsumedEvent event) {
        String orderId = event.parse(ReservationExpired.parser()).getOrderId();
        OrderStore.lock(tx, orderId).ifPresent(head -> {
            if (OrderStore.markCancelled(tx, orderId, EXPIRED)) {
                events.cancelled(tx, head.userId(), orderId, EXPIRED);
                OrderCounters.cancelled("expired");
            }
        });
    }

    /**
     * ReservationLost: stock met the paid order's OrderPaid after its reservation had ended and could
     * not hold the units again, so nothing was sold. The order is cancelled (OUT_OF_STOCK, published
     * as OrderCancelled) and its payment decided for refund in this transaction; the reconciliation
     * makes the refund.
     */
    void onReservationLost(DbTransaction tx, ConsumedEvent event) {
        String orderId = event.parse(ReservationLost.parser()).getOrderId();
        OrderStore.lock(tx, orderId).ifPresent(head -> {
            if (OrderStore.markPaidCancelled(tx, orderId, OUT_OF_STOCK)) {
                PaymentStore.refundOrder(tx, orderId);
                events.cancelled(tx, head.userId(), orderId, OUT_OF_STOCK);
                OrderCounters.cancelled("out_of_stock");
            }
        });
    }

    /** ReservationCommitted: a paid order is fulfilled. */
    void onReservationCommitted(DbTransaction tx, ConsumedEvent event) {
        OrderStore.markFulfilled(tx, event.parse(ReservationCommitted.parser()).getOrderId());
    }
}

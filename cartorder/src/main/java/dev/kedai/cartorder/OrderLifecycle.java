package dev.kedai.cartorder;

import dev.kedai.platform.events.ConsumedEvent;
import dev.kedai.platform.http.ProblemException;
import dev.kedai.proto.stock.v1.ReservationCommitted;
import dev.kedai.proto.stock.v1.ReservationExpired;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbTransaction;

/**
 * The transitions of an order other than payment: cancel by the user (stock releases the
 * reservation when it consumes OrderCancelled), CANCELLED when stock's reservation expired,
 * FULFILLED when stock committed a paid order.
 */
final class OrderLifecycle {

    static final String USER = "USER";
    static final String EXPIRED = "EXPIRED";

    private final DbClient db;
    private final PaymentStore attempts;
    private final Payments payments;
    private final OrderEvents events;

    OrderLifecycle(DbClient db, PaymentStore attempts, Payments payments, OrderEvents events) {
        this.db = db;
        this.attempts = attempts;
        this.payments = payments;
        this.events = events;
    }

    /** PENDING_PAYMENT → CANCELLED; a cancelled order answers as it is; 409 when paid or while a payment runs. */
    Order cancel(String userId, String orderId) {
        payments.settleAbandoned(orderId);
        DbTransaction tx = db.transaction();
        boolean committed = false;
        boolean cancelled = false;
        try {
            OrderStore.OrderHead head = OrderStore.lock(tx, orderId)
                    .filter(h -> h.userId().equals(userId))
                    .orElseThrow(() -> ProblemException.notFound("order " + orderId + " does not exist"));
            switch (head.status()) {
                case "PAID", "FULFILLED" -> throw ProblemException.conflict("order " + orderId + " is paid");
                case "PENDING_PAYMENT" -> {
                    if (!attempts.pending(tx, orderId).isEmpty()) {
                        throw ProblemException.conflict("a payment for order " + orderId + " is in progress");
                    }
                    cancelled = OrderStore.markCancelled(tx, orderId, USER);
                    events.cancelled(tx, userId, orderId, USER);
                }
                default -> { }   // already cancelled: cancelling is idempotent
            }
            tx.commit();
            committed = true;
        } finally {
            if (!committed) {
                tx.rollback();
            }
        }
        if (cancelled) {
            OrderCounters.cancelled("user");
        }
        return OrderStore.find(db.execute(), userId, orderId).orElseThrow();
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

    /** ReservationCommitted: a paid order is fulfilled. */
    void onReservationCommitted(DbTransaction tx, ConsumedEvent event) {
        OrderStore.markFulfilled(tx, event.parse(ReservationCommitted.parser()).getOrderId());
    }
}

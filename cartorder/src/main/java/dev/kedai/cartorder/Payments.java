package dev.kedai.cartorder;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import dev.kedai.platform.db.Transactions;
import dev.kedai.platform.grpc.PeerRejection;
import dev.kedai.platform.http.Json;
import dev.kedai.platform.http.ProblemException;
import dev.kedai.platform.money.Money;
import io.helidon.dbclient.DbClient;

import static dev.kedai.cartorder.PaymentGateway.Approved;
import static dev.kedai.cartorder.PaymentGateway.Charge;
import static dev.kedai.cartorder.PaymentGateway.Declined;
import static dev.kedai.cartorder.PaymentGateway.PaymentResult;
import static dev.kedai.cartorder.PaymentGateway.TimedOut;

/**
 * {@code POST /order/pay}. The order row is locked while an attempt is recorded (PENDING), so
 * pay and cancel of one order take turns and two pays cannot both start a charge; the provider is
 * called outside any transaction with the attempt id as its idempotency key; the outcome is then
 * applied with a conditional {@code PENDING_PAYMENT → PAID} that publishes OrderPaid in the same
 * transaction. An attempt left PENDING by a process that died is settled from the provider's record
 * ({@link PaymentGateway#lookup}) before anything else happens to the order, so it is never charged
 * twice. Only the caller whose conditional update settled an attempt acts on it: a charge that paid
 * the order is never refunded, and one that came too late is refunded exactly by that caller
 * (REFUNDING committed first, REFUNDED once the provider confirmed).
 */
final class Payments {

    private static final System.Logger LOG = System.getLogger(Payments.class.getName());

    private final DbClient db;
    private final Transactions transactions;
    private final PaymentStore attempts;
    private final PaymentGateway gateway;
    private final OrderEvents events;
    private final Clock clock;
    private final StockClient stock;
    private final Duration reservationHold;
    private final Duration inFlightWindow;

    /**
     * @param reservationHold how long stock holds the units from the start of a payment ({@code payment.reservation-hold})
     * @param inFlightWindow  how long a call to the provider may take ({@code payment.in-flight-window})
     */
    Payments(DbClient db, Transactions transactions, PaymentStore attempts, PaymentGateway gateway, OrderEvents events,
             Clock clock, StockClient stock, Duration reservationHold, Duration inFlightWindow) {
        this.stock = stock;
        this.reservationHold = reservationHold;
        this.inFlightWindow = inFlightWindow;
        this.db = db;
        this.transactions = transactions;
        this.attempts = attempts;
        this.gateway = gateway;
        this.events = events;
        this.clock = clock;
    }

    Order pay(String userId, String orderId, String token) {
        settleAbandoned(orderId);
        Started started = start(userId, orderId);
        holdStock(orderId, started);
        PaymentResult result;
        try {
            result = gateway.charge(new Charge(started.attemptId(), orderId, started.total(), token));
        } catch (RuntimeException e) {
            // outcome unknown: the attempt stays PENDING and is settled from the provider's record later
            throw ProblemException.unavailable("the payment provider failed; the order was not charged twice", e);
        }
        return switch (result) {
            case Approved a -> approved(userId, orderId, started.attemptId(), a.reference());
            case Declined d -> {
                attempts.settle(started.attemptId(), PaymentStore.DECLINED, null);
                throw ProblemException.of(402, "payment declined: " + d.reason() + "; the order can still be paid");
            }
            case TimedOut t -> {
                attempts.settle(started.attemptId(), PaymentStore.TIMED_OUT, null);
                throw ProblemException.timeout("the payment provider did not answer in time; nothing was charged", null);
            }
        };
    }

    /**
     * Settles attempts whose call outlived the in-flight window (their process died mid-call) from
     * what the provider knows: approved ones pay the order (or are refunded when it can no longer
     * be paid), the others are closed.
     */
    void settleAbandoned(String orderId) {
        for (PaymentStore.Pending p : attempts.pending(orderId)) {
            if (!p.fresh()) {
                settleFromProvider(orderId, p.attemptId());
            }
        }
    }

    /** Settles one PENDING attempt from the provider's record; a caller that loses the race to settle it does nothing. */
    void settleFromProvider(String orderId, String attemptId) {
        switch (gateway.lookup(attemptId).orElse(null)) {
            case Approved a -> {
                String userId = db.execute().get("SELECT user_id FROM orders WHERE order_id = ?", orderId)
                        .map(r -> r.column("user_id").getString()).orElseThrow();
                try {
                    approved(userId, orderId, attemptId, a.reference());
                } catch (ProblemException notPaidByIt) {
                    // refunded (the order could no longer be paid), or settled by another caller
                }
            }
            case Declined d -> attempts.settle(attemptId, PaymentStore.DECLINED, null);
            case null, default -> attempts.settle(attemptId, PaymentStore.ABANDONED, null);
        }
    }

    private record Started(String attemptId, Money total, Instant expiresAt) {
    }

    /**
     * Before anything is charged, stock is asked to hold the order's units for {@code payment.reservation-hold}:
     * a reservation must not expire under a payment in flight, nor under the paid order until stock has
     * committed it. Stock holding nothing any more (expired, released) is 409; stock out of reach is 503,
     * unless the reservation made at checkout still outlives the payment's in-flight window anyway.
     */
    private void holdStock(String orderId, Started started) {
        try {
            stock.extend(orderId, reservationHold);
        } catch (PeerRejection gone) {
            attempts.settle(started.attemptId(), PaymentStore.ABANDONED, null);
            throw ProblemException.conflict("the stock reservation of order " + orderId
                    + " has expired; it can no longer be paid");
        } catch (RuntimeException unreachable) {
            if (clock.instant().plus(inFlightWindow).isBefore(started.expiresAt())) {
                return;   // the reservation lasts until expires_at plus the grace
            }
            attempts.settle(started.attemptId(), PaymentStore.ABANDONED, null);
            throw ProblemException.unavailable("stock cannot hold the order right now; nothing was charged", unreachable);
        }
    }

    private Started start(String userId, String orderId) {
        return transactions.inTransaction(tx -> {
            OrderStore.OrderHead head = OrderStore.lock(tx, orderId)
                    .filter(h -> h.userId().equals(userId))
                    .orElseThrow(() -> ProblemException.notFound("order " + orderId + " does not exist"));
            switch (head.status()) {
                case "PAID", "FULFILLED" -> throw ProblemException.conflict("order " + orderId + " is already paid");
                case "CANCELLED" -> throw ProblemException.conflict("order " + orderId + " is cancelled");
                default -> { }
            }
            if (!clock.instant().isBefore(head.expiresAt())) {
                throw ProblemException.conflict("order " + orderId + " expired at " + Json.timestamp(head.expiresAt()));
            }
            if (!attempts.pending(tx, orderId).isEmpty()) {
                throw ProblemException.conflict("a payment for order " + orderId + " is in progress");
            }
            return new Started(PaymentStore.begin(tx, orderId, head.total()), head.total(), head.expiresAt());
        });
    }

    /** What settling an approved charge did. */
    private enum Settlement {
        /** This call settled the attempt and it paid the order. */
        PAID,
        /** This call settled the attempt, the order could no longer be paid: the charge is to be refunded. */
        REFUND,
        /** Another caller settled the attempt first: this one does nothing with it. */
        NOT_MINE
    }

    private Order approved(String userId, String orderId, String attemptId, String reference) {
        Settlement settlement = transactions.inTransaction(tx -> {
            OrderStore.OrderHead head = OrderStore.lock(tx, orderId).orElseThrow();
            // only the call whose settlement changes the attempt acts on the charge
            if (!PaymentStore.approve(tx, attemptId, reference)) {
                return Settlement.NOT_MINE;
            }
            if (OrderStore.markPaid(tx, orderId)) {
                events.paid(tx, userId, orderId, attemptId, head.total());
                return Settlement.PAID;
            }
            // cancelled or expired while the provider was charging; committed before the provider is asked
            PaymentStore.move(tx, attemptId, PaymentStore.APPROVED, PaymentStore.REFUNDING);
            return Settlement.REFUND;
        });
        switch (settlement) {
            case PAID -> OrderCounters.paid();
            case REFUND -> {
                refund(attemptId);
                throw ProblemException.conflict("order " + orderId + " can no longer be paid; the charge is refunded");
            }
            case NOT_MINE -> { }
        }
        Order order = OrderStore.find(db.execute(), userId, orderId).orElseThrow();
        if (settlement == Settlement.NOT_MINE && !order.paid()) {
            throw ProblemException.conflict("order " + orderId + " can no longer be paid");
        }
        return order;
    }

    /**
     * Gives a REFUNDING attempt's money back and records it (REFUNDED). The provider refunds an
     * attempt id once however often it is asked; a failure leaves the attempt REFUNDING for the
     * reconciliation to try again.
     */
    void refund(String attemptId) {
        try {
            gateway.refund(attemptId);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "refunding payment attempt " + attemptId + " failed; it is tried again", e);
            return;
        }
        attempts.move(attemptId, PaymentStore.REFUNDING, PaymentStore.REFUNDED);
    }
}

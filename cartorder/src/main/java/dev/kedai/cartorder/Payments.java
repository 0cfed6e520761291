package dev.kedai.cartorder;

import java.time.Clock;

import dev.kedai.platform.db.Transactions;
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
 * twice.
 */
final class Payments {

    private final DbClient db;
    private final Transactions transactions;
    private final PaymentStore attempts;
    private final PaymentGateway gateway;
    private final OrderEvents events;
    private final Clock clock;

    Payments(DbClient db, Transactions transactions, PaymentStore attempts, PaymentGateway gateway, OrderEvents events,
             Clock clock) {
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
                attempts.settle(started.attemptId(), "DECLINED", null);
                throw ProblemException.of(402, "payment declined: " + d.reason() + "; the order can still be paid");
            }
            case TimedOut t -> {
                attempts.settle(started.attemptId(), "TIMED_OUT", null);
                throw ProblemException.timeout("the payment provider did not answer in time; nothing was charged", null);
            }
        };
    }

    /**
     * Settles attempts whose call outlived the in-flight window (their process died mid-call) from
     * what the provider knows: approved ones pay the order, the others are closed.
     */
    void settleAbandoned(String orderId) {
        for (PaymentStore.Pending p : attempts.pending(orderId)) {
            if (p.fresh()) {
                continue;
            }
            switch (gateway.lookup(p.attemptId()).orElse(null)) {
                case Approved a -> {
                    String userId = db.execute().get("SELECT user_id FROM orders WHERE order_id = ?", orderId)
                            .map(r -> r.column("user_id").getString()).orElseThrow();
                    try {
                        approved(userId, orderId, p.attemptId(), a.reference());
                    } catch (ProblemException alreadyDecided) {
                        // the order was cancelled meanwhile: refunded by approved()
                    }
                }
                case Declined d -> attempts.settle(p.attemptId(), "DECLINED", null);
                case null, default -> attempts.settle(p.attemptId(), "ABANDONED", null);
            }
        }
    }

    private record Started(String attemptId, Money total) {
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
            return new Started(PaymentStore.begin(tx, orderId, head.total()), head.total());
        });
    }

    private Order approved(String userId, String orderId, String attemptId, String reference) {
        boolean paid = transactions.inTransaction(tx -> {
            OrderStore.OrderHead head = OrderStore.lock(tx, orderId).orElseThrow();
            boolean nowPaid = OrderStore.markPaid(tx, orderId);
            PaymentStore.settle(tx, attemptId, nowPaid ? "APPROVED" : "REFUNDED", reference);
            if (nowPaid) {
                events.paid(tx, userId, orderId, attemptId, head.total());
            }
            return nowPaid;
        });
        if (paid) {
            OrderCounters.paid();
        }
        if (!paid) {
            // cancelled or expired while the provider was charging: give the money back
            gateway.refund(attemptId);
            throw ProblemException.conflict("order " + orderId + " can no longer be paid; the charge was refunded");
        }
        return OrderStore.find(db.execute(), userId, orderId).orElseThrow();
    }
}

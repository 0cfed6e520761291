package dev.kedai.cartorder;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import dev.kedai.platform.db.RetentionPurge;
import dev.kedai.platform.money.Money;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbTransaction;

/**
 * SQL of {@code payment_attempts}: an attempt is written (PENDING) before the provider is called,
 * and every later change is conditional on the status it leaves, so of two callers that try to
 * settle one attempt exactly one changes it — and only that one acts on the outcome (pays the
 * order, or refunds the charge).
 *
 * <p>Statuses: PENDING (call in flight or outcome unknown) → APPROVED (paid the order), DECLINED,
 * TIMED_OUT, ABANDONED (the provider never saw it); an approved charge for an order that can no
 * longer be paid → REFUNDING (decided, committed before the provider is asked) → REFUNDED (the
 * provider confirmed).
 */
final class PaymentStore {

    static final String PENDING = "PENDING";
    static final String APPROVED = "APPROVED";
    static final String DECLINED = "DECLINED";
    static final String TIMED_OUT = "TIMED_OUT";
    static final String ABANDONED = "ABANDONED";
    static final String REFUNDING = "REFUNDING";
    static final String REFUNDED = "REFUNDED";

    /** Settled attempts past {@code retention.payment-attempts} (default 90 days); PENDING and REFUNDING stay. */
    static final RetentionPurge.Rule RETENTION = new RetentionPurge.Rule("payment-attempts", Duration.ofDays(90), """
            DELETE FROM payment_attempts
            WHERE status IN ('APPROVED', 'DECLINED', 'TIMED_OUT', 'ABANDONED', 'REFUNDED')
              AND created_at < CURRENT_TIMESTAMP(3) - INTERVAL ? MICROSECOND LIMIT ?""");

    private static final String INSERT = """
            INSERT INTO payment_attempts (attempt_id, order_id, status, amount, currency)
            VALUES (?, ?, 'PENDING', ?, ?)""";
    private static final String PENDING_OF_ORDER = """
            SELECT attempt_id, created_at > CURRENT_TIMESTAMP(3) - INTERVAL ? SECOND AS fresh
            FROM payment_attempts WHERE order_id = ? AND status = 'PENDING'""";
    private static final String SETTLE = """
            UPDATE payment_attempts SET status = ?, provider_ref = ? WHERE attempt_id = ? AND status = 'PENDING'""";
    // an attempt given up as ABANDONED whose call did reach the provider after all is settled by its answer
    private static final String APPROVE = """
            UPDATE payment_attempts SET status = 'APPROVED', provider_ref = ?
            WHERE attempt_id = ? AND status IN ('PENDING', 'ABANDONED')""";
    private static final String MOVE = "UPDATE payment_attempts SET status = ? WHERE attempt_id = ? AND status = ?";
    private static final String REFUND_ORDER =
            "UPDATE payment_attempts SET status = 'REFUNDING' WHERE order_id = ? AND status = 'APPROVED'";
    private static final String STALE = """
            SELECT attempt_id, order_id FROM payment_attempts
            WHERE status = 'PENDING' AND created_at <= CURRENT_TIMESTAMP(3) - INTERVAL ? SECOND
            ORDER BY created_at LIMIT ?""";
    private static final String REFUNDS_DUE =
            "SELECT attempt_id, order_id FROM payment_attempts WHERE status = 'REFUNDING' ORDER BY created_at LIMIT ?";
    // a charge kept on an order that ended cancelled: nothing else would ever give it back
    private static final String KEPT_ON_CANCELLED = """
            SELECT a.attempt_id, a.order_id FROM payment_attempts a JOIN orders o ON o.order_id = a.order_id
            WHERE a.status = 'APPROVED' AND o.status = 'CANCELLED' ORDER BY a.created_at LIMIT ?""";

    /** A PENDING attempt; {@code fresh} while its call may still be running. */
    record Pending(String attemptId, boolean fresh) {
    }

    /** An attempt and its order. */
    record Attempt(String attemptId, String orderId) {
        @Override
        public String toString() {
            return "payment attempt " + attemptId + " of order " + orderId;
        }
    }

    private final DbClient db;
    private final long windowSeconds;

    /** @param inFlightWindow how long a PENDING attempt may still be in a call to the provider */
    PaymentStore(DbClient db, Duration inFlightWindow) {
        this.db = db;
        this.windowSeconds = Math.max(1, inFlightWindow.toSeconds());
    }

    List<Pending> pending(DbExecute exec, String orderId) {
        return exec.query(PENDING_OF_ORDER, windowSeconds, orderId)
                .map(r -> new Pending(r.column("attempt_id").getString(), r.column("fresh").getInt() == 1))
                .toList();
    }

    List<Pending> pending(String orderId) {
        return pending(db.execute(), orderId);
    }

    /** PENDING attempts older than the in-flight window: their call ended without being recorded. */
    List<Attempt> stale(int limit) {
        return attempts(db.execute().query(STALE, windowSeconds, limit));
    }

    /** Attempts whose refund was decided and not yet confirmed by the provider. */
    List<Attempt> refundsDue(int limit) {
        return attempts(db.execute().query(REFUNDS_DUE, limit));
    }

    /** APPROVED attempts of CANCELLED orders. */
    List<Attempt> keptOnCancelledOrders(int limit) {
        return attempts(db.execute().query(KEPT_ON_CANCELLED, limit));
    }

    private static List<Attempt> attempts(java.util.stream.Stream<io.helidon.dbclient.DbRow> rows) {
        return rows.map(r -> new Attempt(r.column("attempt_id").getString(), r.column("order_id").getString())).toList();
    }

    static String begin(DbTransaction tx, String orderId, Money amount) {
        String attemptId = UUID.randomUUID().toString();
        tx.insert(INSERT, attemptId, orderId, amount.amount(), amount.currency());
        return attemptId;
    }

    /** PENDING → {@code status} (DECLINED, TIMED_OUT, ABANDONED); false when the attempt was settled already. */
    boolean settle(String attemptId, String status, String reference) {
        return db.execute().update(SETTLE, status, reference, attemptId) == 1;
    }

    /** PENDING (or ABANDONED) → APPROVED; false when another caller settled it first. */
    static boolean approve(DbTransaction tx, String attemptId, String reference) {
        return tx.update(APPROVE, reference, attemptId) == 1;
    }

    /** Every APPROVED attempt of the order → REFUNDING (the reconciliation makes the refunds); how many. */
    static int refundOrder(DbTransaction tx, String orderId) {
        return (int) tx.update(REFUND_ORDER, orderId);
    }

    /** {@code from} → {@code to}; false when the attempt was not in {@code from}. */
    static boolean move(DbExecute exec, String attemptId, String from, String to) {
        return exec.update(MOVE, to, attemptId, from) == 1;
    }

    boolean move(String attemptId, String from, String to) {
        return move(db.execute(), attemptId, from, to);
    }
}

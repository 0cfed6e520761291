package dev.kedai.cartorder;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import dev.kedai.platform.money.Money;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbTransaction;

/** SQL of {@code payment_attempts}: an attempt is written (PENDING) before the provider is called. */
final class PaymentStore {

    private static final String INSERT = """
            INSERT INTO payment_attempts (attempt_id, order_id, status, amount, currency)
            VALUES (?, ?, 'PENDING', ?, ?)""";
    private static final String PENDING = """
            SELECT attempt_id, created_at > CURRENT_TIMESTAMP(3) - INTERVAL ? SECOND AS fresh
            FROM payment_attempts WHERE order_id = ? AND status = 'PENDING'""";
    private static final String SETTLE = """
            UPDATE payment_attempts SET status = ?, provider_ref = ? WHERE attempt_id = ? AND status = 'PENDING'""";
    private static final String SET_STATUS = "UPDATE payment_attempts SET status = ? WHERE attempt_id = ?";

    /** A PENDING attempt; {@code fresh} while its call may still be running. */
    record Pending(String attemptId, boolean fresh) {
    }

    private final DbClient db;
    private final long windowSeconds;

    /** @param inFlightWindow how long a PENDING attempt may still be in a call to the provider */
    PaymentStore(DbClient db, Duration inFlightWindow) {
        this.db = db;
        this.windowSeconds = Math.max(1, inFlightWindow.toSeconds());
    }

    List<Pending> pending(io.helidon.dbclient.DbExecute exec, String orderId) {
        return exec.query(PENDING, windowSeconds, orderId)
                .map(r -> new Pending(r.column("attempt_id").getString(), r.column("fresh").getInt() == 1))
                .toList();
    }

    List<Pending> pending(String orderId) {
        return pending(db.execute(), orderId);
    }

    static String begin(DbTransaction tx, String orderId, Money amount) {
        String attemptId = UUID.randomUUID().toString();
        tx.insert(INSERT, attemptId, orderId, amount.amount(), amount.currency());
        return attemptId;
    }

    /** PENDING → {@code status}; false when the attempt was settled already. */
    boolean settle(String attemptId, String status, String reference) {
        return db.execute().update(SETTLE, status, reference, attemptId) == 1;
    }

    static boolean settle(DbTransaction tx, String attemptId, String status, String reference) {
        return tx.update(SETTLE, status, reference, attemptId) == 1;
    }

    void mark(String attemptId, String status) {
        db.execute().update(SET_STATUS, status, attemptId);
    }
}

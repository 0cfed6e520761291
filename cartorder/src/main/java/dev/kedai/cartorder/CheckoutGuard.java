package dev.kedai.cartorder;

import java.time.Duration;

import dev.kedai.platform.db.RetentionPurge;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbExecute;

/**
 * SQL of {@code checkout_guards}: a user's cart is consumed by one checkout at a time, whatever
 * its Idempotency-Key, on every replica. A claim is a row with a lease, written in its own short
 * statement (no row lock is held while the checkout calls other services); the checkout gives it
 * up when it stores its order or fails. A lease that ran out (its process died) is taken over.
 */
final class CheckoutGuard {

    /** Claims left by processes that died, an hour (by default) after their lease ran out. */
    static final RetentionPurge.Rule RETENTION = new RetentionPurge.Rule("checkout-guards", Duration.ofHours(1), """
            DELETE FROM checkout_guards WHERE locked_until < CURRENT_TIMESTAMP(3) - INTERVAL ? MICROSECOND LIMIT ?""");

    private static final String CLAIM = """
            INSERT IGNORE INTO checkout_guards (user_id, order_id, locked_until)
            VALUES (?, ?, CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND)""";
    // the same order id is the same checkout: a retry that took over its abandoned Idempotency-Key
    private static final String TAKE_OVER = """
            UPDATE checkout_guards SET order_id = ?, locked_until = CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND
            WHERE user_id = ? AND (locked_until <= CURRENT_TIMESTAMP(3) OR order_id = ?)""";
    private static final String RELEASE = "DELETE FROM checkout_guards WHERE user_id = ? AND order_id = ?";

    private final DbClient db;
    private final long leaseSeconds;

    CheckoutGuard(DbClient db, Duration lease) {
        this.db = db;
        this.leaseSeconds = Math.max(1, lease.toSeconds());
    }

    /** True when this checkout (of {@code orderId}) may consume the user's cart; false when another runs. */
    boolean claim(String userId, String orderId) {
        return db.execute().insert(CLAIM, userId, orderId, leaseSeconds) == 1
               || db.execute().update(TAKE_OVER, orderId, leaseSeconds, userId, orderId) == 1;
    }

    /** Gives the cart up: in the transaction that stores the order, or after a failed checkout. */
    static void release(DbExecute exec, String userId, String orderId) {
        exec.delete(RELEASE, userId, orderId);
    }
}

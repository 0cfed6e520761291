package dev.kedai.cartorder;

import java.time.Duration;
import java.util.Optional;

import dev.kedai.platform.db.RetentionPurge;
import dev.kedai.platform.http.ProblemException;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbExecute;

/**
 * SQL of {@code checkout_guards}: a user's cart is consumed by one checkout at a time, whatever
 * its Idempotency-Key, on every replica. A claim is a row with a lease, written in its own short
 * statement (no row lock is held while the checkout calls other services); the checkout gives it
 * up when it stores its order or fails. A lease that ran out (its process died) is taken over;
 * a checkout whose lease was taken over while it still ran (it was slower than the lease) finds
 * that out when it stores its order, and stores nothing: the lease fences it.
 */
final class CheckoutGuard {

    /** Claims left by processes that died, an hour (by default) after their lease ran out. */
    static final RetentionPurge.Rule RETENTION = new RetentionPurge.Rule("checkout-guards", Duration.ofHours(1), """
            DELETE FROM checkout_guards WHERE locked_until < CURRENT_TIMESTAMP(3) - INTERVAL ? MICROSECOND LIMIT ?""");

    private static final String CLAIM = """
            INSERT IGNORE INTO checkout_guards (user_id, order_id, locked_until, holder)
            VALUES (?, ?, CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND, ?)""";
    // the same order id is the same checkout: a retry that took over its abandoned Idempotency-Key
    private static final String TAKE_OVER = """
            UPDATE checkout_guards SET order_id = ?, locked_until = CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND, holder = ?
            WHERE user_id = ? AND (locked_until <= CURRENT_TIMESTAMP(3) OR order_id = ?)""";
    private static final String HOLDER = "SELECT order_id FROM checkout_guards WHERE user_id = ?";
    // what a process of this instance held before it restarted: no checkout of it is running any more
    private static final String END_LEASES = """
            UPDATE checkout_guards SET locked_until = CURRENT_TIMESTAMP(3) WHERE holder = ? AND locked_until > CURRENT_TIMESTAMP(3)""";
    private static final String RELEASE = "DELETE FROM checkout_guards WHERE user_id = ? AND order_id = ?";

    private final DbClient db;
    private final long leaseSeconds;
    private final String holder;

    /** @param holder this instance's name ({@link dev.kedai.platform.server.InstanceName}), kept with its claims */
    CheckoutGuard(DbClient db, Duration lease, String holder) {
        this.db = db;
        this.leaseSeconds = Math.max(1, lease.toSeconds());
        this.holder = holder;
    }

    /**
     * Claims the user's cart for this checkout (of {@code orderId}).
     *
     * @return empty when claimed; else the order id of the checkout that holds the cart
     */
    Optional<String> claim(String userId, String orderId) {
        for (int tries = 0; tries < 3; tries++) {
            if (db.execute().insert(CLAIM, userId, orderId, leaseSeconds, holder) == 1
                || db.execute().update(TAKE_OVER, orderId, leaseSeconds, holder, userId, orderId) == 1) {
                return Optional.empty();
            }
            Optional<String> holder = db.execute().get(HOLDER, userId).map(r -> r.column("order_id").getString());
            if (holder.isPresent()) {
                return holder;
            }
            // the holder finished between our claim and the read: claim again
        }
        throw ProblemException.conflict("other checkouts of your cart keep starting; retry");
    }

    /** Ends the claims this instance's previous process held; returns how many. */
    long endLeasesOfPreviousProcess() {
        return db.execute().update(END_LEASES, holder);
    }

    /** Gives the cart up after a failed checkout (nothing when another took it over meanwhile). */
    static void release(DbExecute exec, String userId, String orderId) {
        exec.delete(RELEASE, userId, orderId);
    }

    /**
     * Gives the cart up in the transaction that stores the order; a 409 (the transaction rolls back)
     * when the lease ran out and another checkout took the cart over meanwhile.
     */
    static void releaseStoring(DbExecute tx, String userId, String orderId) {
        if (tx.delete(RELEASE, userId, orderId) != 1) {
            throw ProblemException.conflict("this checkout took longer than its lease and another checkout of your cart"
                                            + " took over; nothing was ordered by this one");
        }
    }
}

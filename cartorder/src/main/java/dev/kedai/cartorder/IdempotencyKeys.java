package dev.kedai.cartorder;

import java.time.Duration;
import java.util.UUID;

import dev.kedai.platform.db.RetentionPurge;
import dev.kedai.platform.http.ProblemException;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbRow;
import io.helidon.dbclient.DbTransaction;

/**
 * SQL of {@code idempotency_keys}: who runs a checkout for a (user, Idempotency-Key), and which
 * order it made. A claim holds a lease; a claim whose lease ran out (its process died) is taken
 * over by the next request with the same key and body, which carries on with the same order id.
 * Only successes are remembered: a checkout that fails forgets its key, so the client may retry it;
 * except a checkout refused because another checkout of the cart ran, which keeps its key with that
 * checkout's order id ({@code lost_to}): one cart, one order, however often the client retries.
 */
final class IdempotencyKeys {

    /** Keys past {@code retention.idempotency-keys} (default 7 days): a retry that late makes a new order. */
    static final RetentionPurge.Rule RETENTION = new RetentionPurge.Rule("idempotency-keys", Duration.ofDays(7), """
            DELETE FROM idempotency_keys
            WHERE created_at < CURRENT_TIMESTAMP(3) - INTERVAL ? MICROSECOND
              AND (state = 'DONE' OR locked_until < CURRENT_TIMESTAMP(3)) LIMIT ?""");

    private static final String CLAIM = """
            INSERT IGNORE INTO idempotency_keys (user_id, idem_key, request_hash, order_id, state, locked_until, holder)
            VALUES (?, ?, ?, ?, 'IN_FLIGHT', CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND, ?)""";
    private static final String READ = """
            SELECT request_hash, order_id, state, lost_to, locked_until > CURRENT_TIMESTAMP(3) AS leased
            FROM idempotency_keys WHERE user_id = ? AND idem_key = ?""";
    private static final String TAKE_OVER = """
            UPDATE idempotency_keys SET locked_until = CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND, holder = ?
            WHERE user_id = ? AND idem_key = ? AND state = 'IN_FLIGHT' AND locked_until <= CURRENT_TIMESTAMP(3)""";
    private static final String DONE = """
            UPDATE idempotency_keys SET state = 'DONE'
            WHERE user_id = ? AND idem_key = ? AND order_id = ? AND state = 'IN_FLIGHT'""";
    // the lease ends at once: a retry takes the key over and looks at what became of lost_to
    private static final String LOST = """
            UPDATE idempotency_keys SET lost_to = ?, locked_until = CURRENT_TIMESTAMP(3)
            WHERE user_id = ? AND idem_key = ? AND order_id = ? AND state = 'IN_FLIGHT'""";
    // what a process of this instance held before it restarted: no request of it is running any more
    private static final String END_LEASES = """
            UPDATE idempotency_keys SET locked_until = CURRENT_TIMESTAMP(3)
            WHERE holder = ? AND state = 'IN_FLIGHT' AND locked_until > CURRENT_TIMESTAMP(3)""";
    private static final String FORGET =
            "DELETE FROM idempotency_keys WHERE user_id = ? AND idem_key = ? AND order_id = ? AND state = 'IN_FLIGHT'";

    /** What a request with a key may do. */
    sealed interface Claim {
    }

    /**
     * This request runs the checkout, for {@code orderId}.
     *
     * @param lostTo the order id of the checkout an earlier request with this key was refused for, or null
     */
    record Claimed(String orderId, String lostTo) implements Claim {
    }

    /** The key's checkout is done: answer with its order. */
    record Replay(String orderId) implements Claim {
    }

    /** Another request with this key is still running. */
    record InFlight() implements Claim {
    }

    /** The key was used with another body. */
    record Mismatch() implements Claim {
    }

    private final DbClient db;
    private final long leaseSeconds;
    private final String holder;

    /** @param holder this instance's name ({@link dev.kedai.platform.server.InstanceName}), kept with its leases */
    IdempotencyKeys(DbClient db, Duration lease, String holder) {
        this.db = db;
        this.leaseSeconds = Math.max(1, lease.toSeconds());
        this.holder = holder;
    }

    Claim claim(String userId, String key, String requestHash) {
        String orderId = UUID.randomUUID().toString();
        if (db.execute().insert(CLAIM, userId, key, requestHash, orderId, leaseSeconds, holder) == 1) {
            return new Claimed(orderId, null);
        }
        DbRow row = db.execute().get(READ, userId, key).orElse(null);
        if (row == null) {
            // forgotten between our insert and read: try again as a new claim
            return claim(userId, key, requestHash);
        }
        if (!row.column("request_hash").getString().equals(requestHash)) {
            return new Mismatch();
        }
        String existing = row.column("order_id").getString();
        if ("DONE".equals(row.column("state").getString())) {
            return new Replay(existing);
        }
        if (row.column("leased").getInt() == 1) {
            return new InFlight();
        }
        String lostTo = row.column("lost_to").getString();
        return db.execute().update(TAKE_OVER, leaseSeconds, holder, userId, key) == 1 ? new Claimed(existing, lostTo) : new InFlight();
    }

    /** True when the key exists with another body (DONE or still running): such a request is 422. */
    boolean usedWithOtherBody(String userId, String key, String requestHash) {
        return db.execute().get(READ, userId, key)
                .map(row -> !row.column("request_hash").getString().equals(requestHash))
                .orElse(false);
    }

    /** Marks the checkout done, in the transaction that stores its order. */
    static void done(DbTransaction tx, String userId, String key, String orderId) {
        if (tx.update(DONE, userId, key, orderId) != 1) {
            // our claim was taken over and given up meanwhile: do not store a second outcome for this key
            throw ProblemException.conflict("this Idempotency-Key was taken over by another request; retry");
        }
    }

    /**
     * Keeps the key of a checkout refused because checkout {@code winner} of the same cart ran: a
     * retry with it is answered from what became of {@code winner}, never by ordering the cart anew.
     */
    void lostTo(String userId, String key, String orderId, String winner) {
        db.execute().update(LOST, winner, userId, key, orderId);
    }

    /** Ends the leases this instance's previous process held; returns how many. */
    long endLeasesOfPreviousProcess() {
        return db.execute().update(END_LEASES, holder);
    }

    /** Gives the key up after a failed checkout, so the client can retry with it. */
    void forget(String userId, String key, String orderId) {
        db.execute().delete(FORGET, userId, key, orderId);
    }
}

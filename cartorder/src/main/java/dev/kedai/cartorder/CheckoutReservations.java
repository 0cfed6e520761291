package dev.kedai.cartorder;

import java.time.Duration;
import java.util.List;

import dev.kedai.platform.http.ProblemException;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbTransaction;

/**
 * SQL of {@code checkout_reservations}: the Reserves sent to stock for checkouts whose order is
 * not stored yet. The row is written before the Reserve and deleted with the order's insert, so a
 * checkout that dies in between (kill -9, a database that cannot say whether the order was stored)
 * leaves a durable trace of the units stock holds for it. The order reconciler hands such
 * reservations back once they are older than {@code checkout.abandoned-after}: first it moves the
 * row to RELEASING, which fences the checkout (its store then finds no RESERVING row and stores
 * nothing), then it releases in stock, and only then deletes the row.
 */
final class CheckoutReservations {

    private static final String BEGIN = """
            INSERT INTO checkout_reservations (order_id, user_id, idem_key, state) VALUES (?, ?, ?, 'RESERVING')
            ON DUPLICATE KEY UPDATE started_at = IF(state = 'RESERVING', CURRENT_TIMESTAMP(3), started_at)""";
    private static final String STORED = "DELETE FROM checkout_reservations WHERE order_id = ? AND state = 'RESERVING'";
    private static final String ABANDONED = """
            SELECT order_id, user_id, idem_key, release_attempts FROM checkout_reservations
            WHERE started_at < CURRENT_TIMESTAMP(3) - INTERVAL ? MICROSECOND ORDER BY started_at LIMIT ?""";
    // the reconciler's claim: its clock starts again, so another replica's round finds the row not due and
    // leaves it (both used to send the Release); a claimer that dies leaves it due again after abandoned-after
    private static final String RELEASING = """
            UPDATE checkout_reservations SET state = 'RELEASING', started_at = CURRENT_TIMESTAMP(3)
            WHERE order_id = ? AND started_at < CURRENT_TIMESTAMP(3) - INTERVAL ? MICROSECOND""";
    // the checkout itself failed: no need to wait until abandoned-after tells it is over
    private static final String FENCE = "UPDATE checkout_reservations SET state = 'RELEASING' WHERE order_id = ? AND state = 'RESERVING'";
    private static final String STATE = "SELECT state FROM checkout_reservations WHERE order_id = ?";
    // due again (older than abandoned-after) once the backoff has passed
    private static final String RETRY_LATER = """
            UPDATE checkout_reservations
            SET started_at = CURRENT_TIMESTAMP(3) - INTERVAL ? MICROSECOND, release_attempts = release_attempts + 1
            WHERE order_id = ?""";
    /** The first retry of a Release stock could not take; each next one waits twice as long, up to {@link #RETRY_MAX}. */
    static final Duration RETRY_FIRST = Duration.ofSeconds(1);
    static final Duration RETRY_MAX = Duration.ofSeconds(15);
    private static final String FORGET = "DELETE FROM checkout_reservations WHERE order_id = ?";

    /** A checkout that reserved and neither stored its order nor gave the reservation back. */
    record Abandoned(String orderId, String userId, String key, int releaseAttempts) {
    }

    private final DbClient db;
    private final long abandonedAfterMicros;

    /** @param abandonedAfter how long a checkout may take from its Reserve to storing its order ({@code checkout.abandoned-after}) */
    CheckoutReservations(DbClient db, Duration abandonedAfter) {
        this.db = db;
        this.abandonedAfterMicros = abandonedAfter.toNanos() / 1_000;
    }

    /** Before the Reserve is sent (a retry that took over the key's checkout starts its clock again). */
    void begin(String orderId, String userId, String key) {
        db.execute().insert(BEGIN, orderId, userId, key);
    }

    /** In the transaction that stores the order: a 409 (rolled back) when the reconciler gave its reservation back. */
    static void stored(DbTransaction tx, String orderId) {
        if (tx.delete(STORED, orderId) != 1) {
            throw ProblemException.conflict("this checkout took so long that its stock reservation was given back;"
                                            + " nothing was ordered, retry");
        }
    }

    /** Stock reserved nothing (a shortage, or the Reserve was never sent): nothing to give back. */
    void nothingReserved(String orderId) {
        try {
            db.execute().delete(FORGET, orderId);
        } catch (RuntimeException e) {
            // the reconciler's Release of an order stock never reserved is harmless
        }
    }

    List<Abandoned> abandoned(int limit) {
        return db.execute().query(ABANDONED, abandonedAfterMicros, limit)
                .map(r -> new Abandoned(r.column("order_id").getString(), r.column("user_id").getString(),
                                        r.column("idem_key").getString(), r.column("release_attempts").getInt()))
                .toList();
    }

    /**
     * Fences the checkout and claims its Release: true for the one caller whose reservation is now
     * to give back (also when an earlier round fenced it and died before the Release: it is due
     * again); false when its order was stored meanwhile (the row is gone), a retry of its key
     * started its clock again, or another replica's reconciler claimed it first.
     */
    boolean releasing(String orderId) {
        return db.execute().update(RELEASING, orderId, abandonedAfterMicros) == 1;
    }

    /**
     * Fences a checkout that failed after its Reserve was sent, at once (its own thread gave up on
     * it): true when its reservation is now to be given back, false when its order was stored (a
     * commit whose answer was lost deleted the row) or it was given back already. Waits for a store
     * still committing (the row's lock), so it never fences an order that is being stored.
     *
     * @throws RuntimeException when the database cannot be asked now (the caller asks again)
     */
    boolean fence(String orderId) {
        return db.execute().update(FENCE, orderId) == 1 || fenced(orderId);
    }

    private boolean fenced(String orderId) {
        return db.execute().get(STATE, orderId).map(r -> "RELEASING".equals(r.column("state").getString())).orElse(false);
    }

    /**
     * Stock could not release it now (killed, restarting): it is due again after a backoff of
     * {@link #RETRY_FIRST} doubling per attempt up to {@link #RETRY_MAX} (and never more than
     * {@code abandoned-after}), so the units come back soon after stock does, while a row that
     * keeps failing does not take every round (still RELEASING: its checkout stays fenced). It
     * used to wait a whole {@code abandoned-after} again: a Release that met stock's restart held
     * the units past the fault suite's 60 s.
     */
    void retryLater(Abandoned a) {
        db.execute().update(RETRY_LATER, abandonedAfterMicros - retryDelay(a.releaseAttempts()).toNanos() / 1_000, a.orderId());
    }

    private Duration retryDelay(int attempts) {
        Duration backoff = RETRY_FIRST.multipliedBy(1L << Math.min(attempts, 10));
        Duration cap = RETRY_MAX.compareTo(Duration.ofNanos(abandonedAfterMicros * 1_000)) < 0
                ? RETRY_MAX : Duration.ofNanos(abandonedAfterMicros * 1_000);
        return backoff.compareTo(cap) < 0 ? backoff : cap;
    }

    /** Stock has released the reservation (best effort: the reconciler's Release of a released one is harmless). */
    void released(String orderId) {
        try {
            db.execute().delete(FORGET, orderId);
        } catch (RuntimeException e) {
            // the row stays and the reconciler releases it again
        }
    }
}

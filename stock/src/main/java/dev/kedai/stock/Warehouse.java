package dev.kedai.stock;

import java.time.Instant;
import java.util.List;

import dev.kedai.platform.db.Transactions;
import dev.kedai.platform.events.OutboxRelay;
import io.helidon.dbclient.DbTransaction;

/**
 * Stock's write operations, each one transaction (state change + outbox events), shared by the
 * gRPC service, the HTTP routes and the sweeper. The relay is woken after each commit so events
 * leave at once instead of at the next poll.
 */
public final class Warehouse {

    /** On-hand is capped so a typo cannot make a level overflow or absurd. */
    public static final long MAX_ON_HAND = 1_000_000_000L;

    private final Transactions transactions;
    private final StockStore levels;
    private final ReservationStore reservations;
    private final StockEvents events;
    private final OutboxRelay relay;

    Warehouse(Transactions transactions, StockStore levels, ReservationStore reservations, StockEvents events,
              OutboxRelay relay) {
        this.transactions = transactions;
        this.levels = levels;
        this.reservations = reservations;
        this.events = events;
        this.relay = relay;
    }

    /** All lines or none: a shortage rolls back every line reserved before it. */
    public ReserveOutcome reserve(String orderId, List<Line> lines, int ttlSeconds) {
        ReserveOutcome outcome = transactions.inTransaction(tx -> reservations.reserve(tx, orderId, lines, ttlSeconds),
                                                  ReserveOutcome::reserved);
        if (outcome.reserved()) {
            relay.wake();
        }
        ReservationOutcomes.count(outcome.reserved() ? ReservationOutcomes.RESERVED : ReservationOutcomes.REJECTED_SHORT, 1);
        return outcome;
    }

    public boolean release(String orderId) {
        return ReservationOutcomes.countIf(after(transactions.inTransaction(tx -> reservations.release(tx, orderId))),
                                           ReservationOutcomes.RELEASED);
    }

    /** See {@link ReservationStore#extend}. */
    public Instant extend(String orderId, int ttlSeconds) {
        return transactions.inTransaction(tx -> reservations.extend(tx, orderId, ttlSeconds));
    }

    public boolean commit(String orderId) {
        return ReservationOutcomes.countIf(after(transactions.inTransaction(tx -> reservations.commit(tx, orderId))),
                                           ReservationOutcomes.COMMITTED);
    }

    /**
     * An operator's commit of a paid order: idempotent, refused unless stock has seen OrderPaid.
     *
     * @throws UnknownOrderException     when stock never reserved this order
     * @throws ReservationStateException when the order is not paid, or was released or expired
     */
    public boolean commitPaid(String orderId) {
        return ReservationOutcomes.countIf(after(transactions.inTransaction(tx -> {
            ReservationStore.Reservation r = reservations.lock(tx, orderId)
                    .orElseThrow(() -> new UnknownOrderException(orderId));
            if (r.status() == ReservationStatus.RESERVED && !r.paid()) {
                throw new ReservationStateException(orderId, r.status(), "commit an unpaid order");
            }
            return reservations.commit(tx, orderId);
        })), ReservationOutcomes.COMMITTED);
    }

    /**
     * Sets on-hand ({@code quantity}) or adjusts it ({@code delta}); exactly one is given.
     *
     * @throws LevelConflictException when on-hand would drop below the reserved units or exceed the cap
     */
    public StockLevel update(String productId, Long quantity, Long delta) {
        StockLevel level = transactions.inTransaction(tx -> {
            StockLevel now = levels.lock(tx, productId).orElseThrow(() -> new UnknownProductException(productId));
            long onHand = quantity != null ? quantity : now.onHand() + delta;
            if (onHand < now.reserved()) {
                throw new LevelConflictException(now, "on-hand would drop below the " + now.reserved() + " reserved units");
            }
            if (onHand > MAX_ON_HAND) {
                throw new LevelConflictException(now, "on-hand would exceed " + MAX_ON_HAND);
            }
            if (onHand == now.onHand()) {
                return now;
            }
            levels.setOnHand(tx, productId, onHand);
            StockLevel changed = StockLevel.of(productId, onHand, now.reserved());
            events.changed(tx, changed);
            return changed;
        });
        relay.wake();
        return level;
    }

    /** A zero level for a product just created (ProductCreated), inside the consumer's transaction. */
    void productCreated(DbTransaction tx, String productId) {
        if (levels.create(tx, productId)) {
            events.changed(tx, StockLevel.of(productId, 0, 0));
        }
    }

    /** Releases reservations past their expiry; returns how many. */
    public int expireDue(int limit) {
        int n = transactions.inTransaction(tx -> reservations.expireDue(tx, limit).size());
        if (n > 0) {
            relay.wake();
        }
        ReservationOutcomes.count(ReservationOutcomes.EXPIRED, n);
        return n;
    }

    private boolean after(boolean result) {
        relay.wake();
        return result;
    }
}

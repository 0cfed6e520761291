package dev.kedai.stock;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.kedai.platform.db.RetentionPurge;
import dev.kedai.platform.db.Transactions;
import io.helidon.dbclient.DbRow;
import io.helidon.dbclient.DbTransaction;

/**
 * Reservations of orders (tables {@code reservations}, {@code reservation_lines}) and their
 * effect on the levels. Every method works inside the caller's transaction, so the gRPC calls,
 * the HTTP endpoint and the event handlers share one implementation, and each change commits
 * together with its outbox events.
 *
 * <p>No oversell, no deadlock: every transaction takes the level rows it changes in product-id
 * order (a Reserve all of them in one statement, an expiry sweep the lines of all its orders
 * summed per product), and each reservation is a conditional
 * {@code UPDATE ... WHERE on_hand - reserved >= ?}. The level rows of popular products are the
 * hottest locks of the system: a Reserve does everything else (claim, expiry, lines) before it
 * takes them, and afterwards only the update and its events before the commit.
 */
public final class ReservationStore {

    /**
     * Ended reservations (their lines cascade) past {@code retention.reservations} (default 30 days,
     * counted from expires_at): a tombstone refuses a late Reserve for that long.
     */
    static final RetentionPurge.Rule RETENTION = new RetentionPurge.Rule("reservations", Duration.ofDays(30), """
            DELETE FROM reservations WHERE status IN ('COMMITTED', 'RELEASED', 'EXPIRED')
              AND expires_at < CURRENT_TIMESTAMP(3) - INTERVAL ? MICROSECOND LIMIT ?""");

    private static final String CLAIM = """
            INSERT IGNORE INTO reservations (order_id, status, expires_at)
            VALUES (?, 'RESERVED', CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND)""";
    private static final String READ = """
            SELECT order_id, status, paid, CAST(UNIX_TIMESTAMP(expires_at) * 1000 AS SIGNED) AS expires_ms
            FROM reservations WHERE order_id = ?""";
    private static final String LOCK = READ + " FOR UPDATE";
    // a Release that found nothing: the order id may not reserve later (its Reserve was overtaken)
    private static final String TOMBSTONE = """
            INSERT IGNORE INTO reservations (order_id, status, expires_at)
            VALUES (?, 'RELEASED', CURRENT_TIMESTAMP(3))""";
    private static final String ADD_LINE = "INSERT INTO reservation_lines (order_id, product_id, quantity) VALUES (?, ?, ?)";
    private static final String LINES =
            "SELECT product_id, quantity FROM reservation_lines WHERE order_id = ? ORDER BY product_id";
    private static final String SET_STATUS = "UPDATE reservations SET status = ? WHERE order_id = ?";
    private static final String EXTEND = """
            UPDATE reservations SET expires_at = GREATEST(expires_at, CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND)
            WHERE order_id = ?""";
    private static final String MARK_PAID = "UPDATE reservations SET paid = TRUE WHERE order_id = ?";
    // SKIP LOCKED: two replicas' sweepers never wait on each other, each takes other orders
    private static final String DUE = """
            SELECT order_id FROM reservations
            WHERE status = 'RESERVED' AND NOT paid AND expires_at <= CURRENT_TIMESTAMP(3)
            ORDER BY expires_at LIMIT ? FOR UPDATE SKIP LOCKED""";

    /** A reservation row. */
    public record Reservation(String orderId, ReservationStatus status, boolean paid, Instant expiresAt) {
    }

    private final StockStore levels;
    private final StockEvents events;

    ReservationStore(StockStore levels, StockEvents events) {
        this.levels = levels;
        this.events = events;
    }

    /**
     * Reserves every line or none. A repeated call for an order already reserved or committed
     * answers as the first did (reserved, same expiry) without reserving again.
     *
     * @param lines one per product (the caller merges duplicates)
     * @throws ReservationStateException when the order's reservation was released or expired
     */
    public ReserveOutcome reserve(DbTransaction tx, String orderId, List<Line> lines, int ttlSeconds) {
        // the claim row's lock serialises concurrent calls for one order id
        if (tx.insert(CLAIM, orderId, ttlSeconds) == 0) {
            Reservation existing = lock(tx, orderId).orElseThrow();
            if (existing.status() == ReservationStatus.RESERVED || existing.status() == ReservationStatus.COMMITTED) {
                return ReserveOutcome.reserved(existing.expiresAt());
            }
            throw new ReservationStateException(orderId, existing.status(), "reserve");
        }
        Instant expiresAt = lock(tx, orderId).orElseThrow().expiresAt();
        List<Line> ordered = lines.stream().sorted(Comparator.comparing(Line::productId)).toList();
        for (Line line : ordered) {
            tx.insert(ADD_LINE, orderId, line.productId(), line.quantity());
        }
        // from here to the commit the level rows are locked
        Map<String, StockLevel> now = levels.lock(tx, ordered.stream().map(Line::productId).toList());
        List<Shortage> shortages = new ArrayList<>();
        for (Line line : ordered) {
            long available = Optional.ofNullable(now.get(line.productId())).map(StockLevel::available).orElse(0L);
            if (available < line.quantity()) {
                shortages.add(new Shortage(line.productId(), line.quantity(), available));
            }
        }
        if (!shortages.isEmpty()) {
            // the caller rolls back: nothing was reserved, the claim row and the lines disappear too
            return ReserveOutcome.shortOf(shortages);
        }
        if (levels.reserve(tx, ordered) != ordered.size()) {
            throw new IllegalStateException("a locked level changed under reservation " + orderId);
        }
        for (Line line : ordered) {
            StockLevel before = now.get(line.productId());
            events.changed(tx, StockLevel.of(line.productId(), before.onHand(), before.reserved() + line.quantity()));
        }
        return ReserveOutcome.reserved(expiresAt);
    }

    /**
     * Gives the units of a reserved order back. A Release for an order stock has not seen leaves a
     * tombstone (RELEASED, no lines), so the Reserve it overtook (a caller gave up on a slow one) is
     * refused when it arrives instead of holding units for an order that does not exist.
     *
     * @return false when there was nothing to release (unknown, already released or expired)
     * @throws ReservationStateException when the order was committed (a sale is not undone here)
     */
    public boolean release(DbTransaction tx, String orderId) {
        Optional<Reservation> found = lock(tx, orderId);
        if (found.isEmpty()) {
            if (tx.insert(TOMBSTONE, orderId) == 1) {
                return false;
            }
            // a Reserve of this order committed in between: release what it holds
            found = lock(tx, orderId);
            if (found.isEmpty()) {
                return false;
            }
        }
        return switch (found.get().status()) {
            case RESERVED -> {
                giveBack(tx, orderId, ReservationStatus.RELEASED);
                yield true;
            }
            case RELEASED, EXPIRED -> false;
            case COMMITTED -> throw new ReservationStateException(orderId, ReservationStatus.COMMITTED, "release");
        };
    }

    /**
     * Turns the reservation into a sale: on-hand drops once, ReservationCommitted is published. The
     * level rows change at the end of the transaction ({@link Sales}); must run in
     * {@link Transactions#inTransaction}.
     *
     * @return true when this call committed it, false when it was already committed
     * @throws UnknownOrderException     when stock never reserved this order
     * @throws ReservationStateException when it was released or expired
     */
    public boolean commit(DbTransaction tx, String orderId) {
        Reservation r = lock(tx, orderId).orElseThrow(() -> new UnknownOrderException(orderId));
        return switch (r.status()) {
            case COMMITTED -> false;
            case RESERVED -> {
                Sales sales = Transactions.beforeCommit(Sales.class, () -> new Sales(levels, events));
                lines(tx, orderId).forEach(sales::add);
                tx.update(SET_STATUS, ReservationStatus.COMMITTED.name(), orderId);
                events.committed(tx, orderId);
                yield true;
            }
            case RELEASED, EXPIRED -> throw new ReservationStateException(orderId, r.status(), "commit");
        };
    }

    /**
     * Keeps a reserved order's units held until at least now + {@code ttlSeconds}; never shortens
     * the hold. A committed order keeps its expiry (nothing is held any more).
     *
     * @return the expiry now
     * @throws UnknownOrderException     when stock never reserved this order
     * @throws ReservationStateException when it was released or expired
     */
    public Instant extend(DbTransaction tx, String orderId, int ttlSeconds) {
        Reservation r = lock(tx, orderId).orElseThrow(() -> new UnknownOrderException(orderId));
        return switch (r.status()) {
            case COMMITTED -> r.expiresAt();
            case RESERVED -> {
                tx.update(EXTEND, ttlSeconds, orderId);
                yield lock(tx, orderId).orElseThrow().expiresAt();
            }
            case RELEASED, EXPIRED -> throw new ReservationStateException(orderId, r.status(), "extend");
        };
    }

    /** What became of a paid order's stock. */
    public enum PaidOutcome {
        /** Sold now: on-hand dropped, ReservationCommitted published. */
        SOLD,
        /** Sold before (a repeated OrderPaid, or an operator's commit). */
        ALREADY_SOLD,
        /** Its reservation had ended and the units went elsewhere: nothing sold, ReservationLost published. */
        LOST
    }

    /**
     * OrderPaid: records the payment and sells the order's units. A reservation that ended before
     * the event arrived (it expired while the consumer lagged, or was released) is held again when
     * every line is still available, and sold; otherwise nothing changes and ReservationLost tells
     * cartorder to cancel and refund the order. Never a sale without units.
     */
    public PaidOutcome sellPaid(DbTransaction tx, String orderId) {
        tx.update(MARK_PAID, orderId);
        Reservation r = lock(tx, orderId).orElse(null);
        if (r == null) {
            events.lost(tx, orderId, List.of());
            return PaidOutcome.LOST;
        }
        return switch (r.status()) {
            case COMMITTED -> PaidOutcome.ALREADY_SOLD;
            case RESERVED -> {
                commit(tx, orderId);
                yield PaidOutcome.SOLD;
            }
            case RELEASED, EXPIRED -> {
                List<Line> lines = lines(tx, orderId);
                // no lines: a Release's tombstone, stock never held anything for this order
                List<Shortage> missing = lines.isEmpty() ? List.of() : holdAgain(tx, orderId, lines);
                if (!lines.isEmpty() && missing.isEmpty()) {
                    commit(tx, orderId);
                    yield PaidOutcome.SOLD;
                }
                events.lost(tx, orderId, missing);
                yield PaidOutcome.LOST;
            }
        };
    }

    /**
     * Reserves an ended reservation's lines again, all or none, under the levels' row locks.
     *
     * @return the lines that cannot be held (then nothing changed); empty when all are held again
     */
    private List<Shortage> holdAgain(DbTransaction tx, String orderId, List<Line> lines) {
        List<Shortage> missing = new ArrayList<>();
        for (Line line : lines) {   // product-id order, as every transaction locks levels
            long available = levels.lock(tx, line.productId()).map(StockLevel::available).orElse(0L);
            if (available < line.quantity()) {
                missing.add(new Shortage(line.productId(), line.quantity(), available));
            }
        }
        if (!missing.isEmpty()) {
            return missing;
        }
        for (Line line : lines) {
            levels.reserve(tx, line.productId(), line.quantity());
        }
        tx.update(SET_STATUS, ReservationStatus.RESERVED.name(), orderId);
        return List.of();
    }

    /**
     * Releases up to {@code limit} reservations past their expiry; returns their order ids. The
     * units go back per product, summed over the orders and in product-id order: levels locked
     * order by order would cross a Reserve's product-id order and deadlock with it.
     */
    public List<String> expireDue(DbTransaction tx, int limit) {
        List<String> due = tx.query(DUE, limit).map(r -> r.column("order_id").getString()).toList();
        java.util.SortedMap<String, Integer> back = new java.util.TreeMap<>();
        for (String orderId : due) {
            lines(tx, orderId).forEach(line -> back.merge(line.productId(), line.quantity(), Integer::sum));
            tx.update(SET_STATUS, ReservationStatus.EXPIRED.name(), orderId);
            events.expired(tx, orderId);
        }
        back.forEach((productId, quantity) -> {
            levels.unreserve(tx, productId, quantity);
            events.changed(tx, levels.level(tx, productId).orElseThrow());
        });
        return due;
    }

    /**
     * The units a transaction sells, summed per product and taken off the level rows as its last
     * statements, in product-id order (as every transaction locks levels), with one StockChanged
     * per product. A sale leaves what is available unchanged (on-hand and reserved drop alike), so
     * nothing the transaction reads before depends on it. Why at the end: the event consumer
     * applies up to a hundred OrderPaid in one transaction, and selling line by line held the
     * hottest rows of the system, the popular products' levels, from the first event to the
     * commit, while every Reserve of those products waited (and crossed their lock order).
     */
    private static final class Sales implements Transactions.BeforeCommit {

        private final java.util.SortedMap<String, Integer> sold = new java.util.TreeMap<>();
        private final StockStore levels;
        private final StockEvents events;

        Sales(StockStore levels, StockEvents events) {
            this.levels = levels;
            this.events = events;
        }

        void add(Line line) {
            sold.merge(line.productId(), line.quantity(), Integer::sum);
        }

        @Override
        public void run(DbTransaction tx) {
            sold.forEach((productId, quantity) -> levels.sell(tx, productId, quantity));
            for (StockLevel level : levels.levels(tx, sold.keySet())) {
                events.changed(tx, level);
            }
        }
    }

    public Optional<Reservation> lock(DbTransaction tx, String orderId) {
        return tx.get(LOCK, orderId).map(ReservationStore::reservation);
    }

    private void giveBack(DbTransaction tx, String orderId, ReservationStatus to) {
        for (Line line : lines(tx, orderId)) {
            levels.unreserve(tx, line.productId(), line.quantity());
            events.changed(tx, levels.level(tx, line.productId()).orElseThrow());
        }
        tx.update(SET_STATUS, to.name(), orderId);
    }

    private static List<Line> lines(DbTransaction tx, String orderId) {
        return tx.query(LINES, orderId)
                .map(r -> new Line(r.column("product_id").getString(), r.column("quantity").getInt()))
                .toList();
    }

    private static Reservation reservation(DbRow row) {
        return new Reservation(row.column("order_id").getString(),
                               ReservationStatus.valueOf(row.column("status").getString()),
                               row.column("paid").getBoolean(),
                               Instant.ofEpochMilli(row.column("expires_ms").getLong()));
    }
}

package dev.kedai.stock;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import dev.kedai.platform.http.Page;
import dev.kedai.platform.http.PageRequest;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbRow;
import io.helidon.dbclient.DbTransaction;

/** SQL of the {@code stock_levels} table. */
public final class StockStore {

    private static final String COLUMNS = "SELECT product_id, on_hand, reserved FROM stock_levels";
    // ordered by id: stable pages whatever changes in between
    private static final String PAGE = COLUMNS + " ORDER BY product_id LIMIT ? OFFSET ?";
    private static final String COUNT = "SELECT COUNT(*) AS total FROM stock_levels";
    private static final String ONE = COLUMNS + " WHERE product_id = ?";
    private static final String LOCK = ONE + " FOR UPDATE";
    private static final String CREATE = "INSERT IGNORE INTO stock_levels (product_id, on_hand, reserved) VALUES (?, 0, 0)";
    private static final String SET_ON_HAND = "UPDATE stock_levels SET on_hand = ? WHERE product_id = ?";
    // the conditional update is the no-oversell rule: it changes nothing unless enough is available
    private static final String RESERVE =
            "UPDATE stock_levels SET reserved = reserved + ? WHERE product_id = ? AND on_hand - reserved >= ?";
    private static final String UNRESERVE = "UPDATE stock_levels SET reserved = reserved - ? WHERE product_id = ?";
    private static final String SELL =
            "UPDATE stock_levels SET on_hand = on_hand - ?, reserved = reserved - ? WHERE product_id = ?";

    private final DbClient db;

    public StockStore(DbClient db) {
        this.db = db;
    }

    public Page<StockLevel> page(PageRequest request) {
        List<StockLevel> items = db.execute().query(PAGE, request.size(), request.offset()).map(StockStore::level).toList();
        long total = db.execute().get(COUNT).map(r -> r.column("total").getLong()).orElse(0L);
        return Page.of(items, request, total);
    }

    public Optional<StockLevel> level(String productId) {
        return db.execute().get(ONE, productId).map(StockStore::level);
    }

    /** The levels of these products that exist, in id order; unknown ids are left out. */
    public List<StockLevel> levels(Collection<String> productIds) {
        if (productIds.isEmpty()) {
            return List.of();
        }
        String marks = productIds.stream().map(id -> "?").collect(Collectors.joining(","));
        return db.execute()
                .query(COLUMNS + " WHERE product_id IN (" + marks + ") ORDER BY product_id", productIds.toArray())
                .map(StockStore::level)
                .toList();
    }

    /** The level, locked until {@code tx} ends. */
    public Optional<StockLevel> lock(DbTransaction tx, String productId) {
        return tx.get(LOCK, productId).map(StockStore::level);
    }

    /** The level as {@code tx} sees it. */
    public Optional<StockLevel> level(DbTransaction tx, String productId) {
        return tx.get(ONE, productId).map(StockStore::level);
    }

    /** A zero level for a new product; false when it already had one. */
    public boolean create(DbTransaction tx, String productId) {
        return tx.insert(CREATE, productId) == 1;
    }

    public void setOnHand(DbTransaction tx, String productId, long onHand) {
        tx.update(SET_ON_HAND, onHand, productId);
    }

    /** Holds {@code quantity} units if that many are available; false (nothing changed) otherwise. */
    public boolean reserve(DbTransaction tx, String productId, int quantity) {
        return tx.update(RESERVE, quantity, productId, quantity) == 1;
    }

    /** Gives held units back. */
    public void unreserve(DbTransaction tx, String productId, int quantity) {
        tx.update(UNRESERVE, quantity, productId);
    }

    /** Turns held units into a sale: on-hand and reserved both drop. */
    public void sell(DbTransaction tx, String productId, int quantity) {
        tx.update(SELL, quantity, quantity, productId);
    }

    private static StockLevel level(DbRow row) {
        return StockLevel.of(row.column("product_id").getString(),
                             row.column("on_hand").getLong(),
                             row.column("reserved").getLong());
    }
}

package dev.kedai.stock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import dev.kedai.platform.db.Transactions;
import dev.kedai.platform.http.Page;
import dev.kedai.platform.http.PageRequest;
import dev.kedai.platform.redis.GenerationCache;
import dev.kedai.platform.redis.RedisCopies;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbRow;
import io.helidon.dbclient.DbTransaction;

/**
 * SQL of the {@code stock_levels} table.
 *
 * <p>One product's level ({@link #level(String)}, {@code GET /stock/{id}} and the cart's
 * availability check) is served from memory, valid for that product's generation in Redis
 * (platform {@link GenerationCache#perKey}): every write below replaces the generation of the
 * products it changed once its transaction commits, so the next read, on any replica, loads the
 * level again. The writes must run in {@link Transactions#inTransaction} (they all do).
 */
public final class StockStore {

    /** Redis key prefix of a product level's generation; the product id follows. */
    static final String GENERATION = "stock:level:gen:";
    private static final long CACHED_LEVELS = 100_000;
    // a write whose new generation could not reach Redis leaves a level stale this long at most
    private static final Duration MAX_AGE = Duration.ofSeconds(5);

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
    // a Reserve's rows: every level it needs in one statement, taken in product-id order
    private static final String LOCK_MANY = COLUMNS + " WHERE product_id IN (%s) ORDER BY product_id FOR UPDATE";
    private static final String RESERVE_MANY =
            "UPDATE stock_levels SET reserved = reserved + %1$s WHERE product_id IN (%2$s) AND on_hand - reserved >= %1$s";
    private static final String UNRESERVE = "UPDATE stock_levels SET reserved = reserved - ? WHERE product_id = ?";
    private static final String SELL =
            "UPDATE stock_levels SET on_hand = on_hand - ?, reserved = reserved - ? WHERE product_id = ?";

    private final DbClient db;
    private final GenerationCache<String, Optional<StockLevel>> levels;

    public StockStore(DbClient db, RedisCopies redis) {
        this.db = db;
        // kedai_stock_level_lookups_total{outcome}
        this.levels = GenerationCache.perKey(redis, GENERATION, CACHED_LEVELS, MAX_AGE, "kedai.stock.level.lookups",
                                             "Stock level reads by outcome (hit: no database read)");
    }

    public Page<StockLevel> page(PageRequest request) {
        List<StockLevel> items = db.execute().query(PAGE, request.size(), request.offset()).map(StockStore::level).toList();
        long total = db.execute().get(COUNT).map(r -> r.column("total").getLong()).orElse(0L);
        return Page.of(items, request, total);
    }

    public Optional<StockLevel> level(String productId) {
        return levels.get(productId, id -> db.execute().get(ONE, id).map(StockStore::level));
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

    /** The levels of these products that exist as {@code tx} sees them, in id order. */
    public List<StockLevel> levels(DbTransaction tx, Collection<String> productIds) {
        return tx.query(COLUMNS + " WHERE product_id IN (" + marks(productIds.size()) + ") ORDER BY product_id",
                        productIds.toArray())
                .map(StockStore::level)
                .toList();
    }

    /**
     * The levels of these products that exist, locked until {@code tx} ends: one statement takes
     * every row in product-id order, so two multi-line reservations never wait on each other in a
     * circle.
     */
    public Map<String, StockLevel> lock(DbTransaction tx, Collection<String> productIds) {
        return tx.query(LOCK_MANY.formatted(marks(productIds.size())), productIds.toArray())
                .map(StockStore::level)
                .collect(Collectors.toMap(StockLevel::productId, level -> level));
    }

    /**
     * Holds every line's units in one statement (the lines name distinct products). The caller
     * has locked the rows and checked availability; the condition still refuses an oversell.
     *
     * @return the rows changed: {@code lines.size()} unless a line was short
     */
    public long reserve(DbTransaction tx, List<Line> lines) {
        StringBuilder perProduct = new StringBuilder("CASE product_id");
        List<Object> args = new ArrayList<>();
        for (Line line : lines) {
            perProduct.append(" WHEN ? THEN ?");
            args.add(line.productId());
            args.add(line.quantity());
        }
        perProduct.append(" END");
        List<Object> params = new ArrayList<>(args);
        lines.forEach(line -> params.add(line.productId()));
        params.addAll(args);
        lines.forEach(line -> changed(line.productId()));
        return tx.update(RESERVE_MANY.formatted(perProduct, marks(lines.size())), params.toArray());
    }

    private static String marks(int n) {
        return String.join(",", java.util.Collections.nCopies(n, "?"));
    }

    /** A zero level for a new product; false when it already had one. */
    public boolean create(DbTransaction tx, String productId) {
        changed(productId);
        return tx.insert(CREATE, productId) == 1;
    }

    public void setOnHand(DbTransaction tx, String productId, long onHand) {
        changed(productId);
        tx.update(SET_ON_HAND, onHand, productId);
    }

    /** Holds {@code quantity} units if that many are available; false (nothing changed) otherwise. */
    public boolean reserve(DbTransaction tx, String productId, int quantity) {
        changed(productId);
        return tx.update(RESERVE, quantity, productId, quantity) == 1;
    }

    /** Gives held units back. */
    public void unreserve(DbTransaction tx, String productId, int quantity) {
        changed(productId);
        tx.update(UNRESERVE, quantity, productId);
    }

    /** Turns held units into a sale: on-hand and reserved both drop. */
    public void sell(DbTransaction tx, String productId, int quantity) {
        changed(productId);
        tx.update(SELL, quantity, quantity, productId);
    }

    // after the commit, not before: a read between a new generation and the commit would file
    // the old level under the new generation
    private void changed(String productId) {
        Transactions.afterCommit(new NewGeneration(levels, productId));
    }

    /** A record, so a product changed twice in one transaction gets one new generation. */
    private record NewGeneration(GenerationCache<String, ?> levels, String productId) implements Runnable {
        @Override
        public void run() {
            levels.invalidate(productId);
        }
    }

    private static StockLevel level(DbRow row) {
        return StockLevel.of(row.column("product_id").getString(),
                             row.column("on_hand").getLong(),
                             row.column("reserved").getLong());
    }
}

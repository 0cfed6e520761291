package dev.kedai.stock;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import dev.kedai.platform.http.Page;
import dev.kedai.platform.http.PageRequest;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbRow;

/** SQL of the {@code stock_levels} table. */
public final class StockStore {

    private static final String COLUMNS = "SELECT product_id, on_hand, reserved FROM stock_levels";
    // ordered by id: stable pages whatever changes in between
    private static final String PAGE = COLUMNS + " ORDER BY product_id LIMIT ? OFFSET ?";
    private static final String COUNT = "SELECT COUNT(*) AS total FROM stock_levels";
    private static final String ONE = COLUMNS + " WHERE product_id = ?";

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

    private static StockLevel level(DbRow row) {
        return StockLevel.of(row.column("product_id").getString(),
                             row.column("on_hand").getLong(),
                             row.column("reserved").getLong());
    }
}

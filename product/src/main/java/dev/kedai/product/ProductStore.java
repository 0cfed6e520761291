package dev.kedai.product;

import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.platform.http.Json;
import dev.kedai.platform.money.Money;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;
import io.helidon.dbclient.DbTransaction;

/** SQL of the {@code products} table. */
public final class ProductStore {

    static final String COLUMNS =
            "product_id, sku, name, description, price_amount, price_currency, category, attributes, active, version";
    private static final String ONE = "SELECT " + COLUMNS + " FROM products WHERE product_id = ?";
    private static final String ONE_FOR_UPDATE = ONE + " FOR UPDATE";
    // the search feed: every row, deleted ones too (the index keeps them as inactive, so no older
    // event can bring one back), in product_id order for keyset paging
    private static final String DOCUMENT_COLUMNS = COLUMNS + ", " + millis("created_at") + " AS created_ms";
    private static final String DOCUMENT = "SELECT " + DOCUMENT_COLUMNS + " FROM products WHERE product_id = ?";
    private static final String DOCUMENTS = "SELECT " + DOCUMENT_COLUMNS + " FROM products"
            + " WHERE product_id > ? ORDER BY product_id LIMIT ?";
    private static final String DOCUMENTS_CHANGED = "SELECT " + DOCUMENT_COLUMNS + " FROM products"
            + " WHERE updated_at >= FROM_UNIXTIME(? / 1000) AND product_id > ? ORDER BY product_id LIMIT ?";
    private static final String CATEGORIES = """
            SELECT category, COUNT(*) AS product_count FROM products
            WHERE active GROUP BY category ORDER BY category""";
    private static final String INSERT = """
            INSERT INTO products (product_id, sku, name, description, price_amount, price_currency, category, attributes)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)""";
    private static final String UPDATE = """
            UPDATE products SET sku = ?, name = ?, description = ?, price_amount = ?, price_currency = ?,
                   category = ?, attributes = ?, version = version + 1
            WHERE product_id = ? AND active""";
    private static final String SOFT_DELETE =
            "UPDATE products SET active = FALSE, version = version + 1 WHERE product_id = ? AND active";
    // MySQL/MariaDB "duplicate entry" error code
    private static final int DUPLICATE_KEY = 1062;

    private final DbClient db;

    public ProductStore(DbClient db) {
        this.db = db;
    }

    /** An active product with its version; deleted ones are not found. */
    public Optional<StoredProduct> active(String productId) {
        return one(db.execute(), productId).filter(p -> p.product().active());
    }

    /** The row with its version, deleted or not. */
    public Optional<StoredProduct> one(DbExecute exec, String productId) {
        return exec.get(ONE, productId).map(ProductStore::stored);
    }

    /** The row locked until {@code tx} ends (a PATCH reads, merges and writes it back). */
    public Optional<StoredProduct> lock(DbTransaction tx, String productId) {
        return tx.get(ONE_FOR_UPDATE, productId).map(ProductStore::stored);
    }

    /** These products, deleted ones included (for price snapshots); unknown ids are left out. */
    public List<Product> byIds(Collection<String> productIds) {
        if (productIds.isEmpty()) {
            return List.of();
        }
        String marks = productIds.stream().map(id -> "?").collect(Collectors.joining(","));
        return db.execute()
                .query("SELECT " + COLUMNS + " FROM products WHERE product_id IN (" + marks + ") ORDER BY product_id",
                       productIds.toArray())
                .map(ProductStore::product)
                .toList();
    }

    /** The row as the search index holds it, deleted or not. */
    public Optional<SearchDocument> document(DbExecute exec, String productId) {
        return exec.get(DOCUMENT, productId).map(ProductStore::document);
    }

    /** Up to {@code limit} rows after {@code afterId} (by id; "" for the first page), deleted ones too. */
    public List<SearchDocument> documents(String afterId, int limit) {
        return db.execute().query(DOCUMENTS, afterId, limit).map(ProductStore::document).toList();
    }

    /** As {@link #documents}, only rows written at or after {@code since} (the database's clock). */
    public List<SearchDocument> documentsChangedSince(Instant since, String afterId, int limit) {
        return db.execute().query(DOCUMENTS_CHANGED, since.toEpochMilli(), afterId, limit)
                .map(ProductStore::document).toList();
    }

    /** How many rows there are, deleted ones too (a reindex's 100 %). */
    public long countAll() {
        return db.execute().get("SELECT COUNT(*) AS n FROM products").map(r -> r.column("n").getLong()).orElse(0L);
    }

    /** The database's clock now: {@code updated_at} is set by it, so a reindex measures "since" with it too. */
    public Instant now() {
        return db.execute().get("SELECT " + millis("CURRENT_TIMESTAMP(3)") + " AS now_ms")
                .map(r -> Instant.ofEpochMilli(r.column("now_ms").getLong())).orElseThrow();
    }

    public List<CategoryCount> categories() {
        return db.execute().query(CATEGORIES)
                .map(r -> new CategoryCount(r.column("category").getString(), r.column("product_count").getLong()))
                .toList();
    }

    /** Inserts a new active product; {@link DuplicateSkuException} if its sku is taken. */
    public void insert(DbTransaction tx, String productId, ProductDraft d) {
        try {
            tx.insert(INSERT, productId, d.sku(), d.name(), d.description(), d.price().amount(), d.price().currency(),
                      d.category(), text(d.attributes()));
        } catch (RuntimeException e) {
            throw duplicateOr(e, d.sku());
        }
    }

    /** Replaces every field of an active product; false if there is none. */
    public boolean update(DbTransaction tx, String productId, ProductDraft d) {
        try {
            return tx.update(UPDATE, d.sku(), d.name(), d.description(), d.price().amount(), d.price().currency(),
                             d.category(), text(d.attributes()), productId) == 1;
        } catch (RuntimeException e) {
            throw duplicateOr(e, d.sku());
        }
    }

    /** Marks an active product deleted; false if there is none. */
    public boolean softDelete(DbTransaction tx, String productId) {
        return tx.update(SOFT_DELETE, productId) == 1;
    }

    private static RuntimeException duplicateOr(RuntimeException e, String sku) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getErrorCode() == DUPLICATE_KEY) {
                return new DuplicateSkuException(sku);
            }
        }
        return e;
    }

    private static StoredProduct stored(DbRow row) {
        return new StoredProduct(product(row), row.column("version").getLong());
    }

    private static SearchDocument document(DbRow row) {
        return new SearchDocument(stored(row), Instant.ofEpochMilli(row.column("created_ms").getLong()));
    }

    // a TIMESTAMP(3) as epoch milliseconds, whatever the session's time zone
    private static String millis(String column) {
        return "CAST(UNIX_TIMESTAMP(" + column + ") * 1000 AS SIGNED)";
    }

    static Product product(DbRow row) {
        return new Product(row.column("product_id").getString(),
                           row.column("sku").getString(),
                           row.column("name").getString(),
                           row.column("description").getString(),
                           new Money(row.column("price_amount").getLong(), row.column("price_currency").getString()),
                           row.column("category").getString(),
                           attributes(row.column("attributes").getString()),
                           row.column("active").getBoolean());
    }

    private static String text(JsonNode attributes) {
        try {
            return Json.mapper().writeValueAsString(attributes);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    // MariaDB's JSON is a checked LONGTEXT: it arrives as text
    private static JsonNode attributes(String text) {
        try {
            return Json.mapper().readTree(text == null ? "{}" : text);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("attributes column is not JSON", e);
        }
    }
}

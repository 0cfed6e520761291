package dev.kedai.product;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.platform.http.Json;
import dev.kedai.platform.http.Page;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbRow;

/** SQL of the {@code products} table. */
public final class ProductStore {

    private static final String COLUMNS =
            "product_id, sku, name, description, price_amount, price_currency, category, attributes, active";
    private static final String MATCH = "MATCH(name, description) AGAINST (? IN NATURAL LANGUAGE MODE)";
    private static final String ONE_ACTIVE = "SELECT " + COLUMNS + " FROM products WHERE product_id = ? AND active";
    private static final String CATEGORIES = """
            SELECT category, COUNT(*) AS product_count FROM products
            WHERE active GROUP BY category ORDER BY category""";

    private final DbClient db;

    public ProductStore(DbClient db) {
        this.db = db;
    }

    /** A page of active products matching the query. */
    public Page<Product> search(ProductQuery query) {
        // the statement is assembled from fixed fragments; every value goes in as a parameter
        StringBuilder where = new StringBuilder(" FROM products WHERE active");
        List<Object> params = new ArrayList<>();
        query.category().ifPresent(c -> {
            where.append(" AND category = ?");
            params.add(c);
        });
        query.text().ifPresent(q -> {
            where.append(" AND ").append(MATCH);
            params.add(q);
        });
        long total = db.execute().get("SELECT COUNT(*) AS total" + where, params.toArray())
                .map(r -> r.column("total").getLong()).orElse(0L);

        List<Object> pageParams = new ArrayList<>();
        String select = "SELECT " + COLUMNS;
        if (query.sort() == ProductSort.RELEVANCE) {
            select += ", " + MATCH + " AS relevance";
            pageParams.add(query.text().orElseThrow());
        }
        pageParams.addAll(params);
        pageParams.add(query.page().size());
        pageParams.add(query.page().offset());
        List<Product> items = db.execute()
                .query(select + where + " ORDER BY " + query.sort().orderBy() + " LIMIT ? OFFSET ?", pageParams.toArray())
                .map(ProductStore::product)
                .toList();
        return Page.of(items, query.page(), total);
    }

    /** An active product; deleted ones are not found. */
    public Optional<Product> active(String productId) {
        return db.execute().get(ONE_ACTIVE, productId).map(ProductStore::product);
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

    public List<CategoryCount> categories() {
        return db.execute().query(CATEGORIES)
                .map(r -> new CategoryCount(r.column("category").getString(), r.column("product_count").getLong()))
                .toList();
    }

    private static Product product(DbRow row) {
        return new Product(row.column("product_id").getString(),
                           row.column("sku").getString(),
                           row.column("name").getString(),
                           row.column("description").getString(),
                           new Money(row.column("price_amount").getLong(), row.column("price_currency").getString()),
                           row.column("category").getString(),
                           attributes(row.column("attributes").getString()),
                           row.column("active").getBoolean());
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

package dev.kedai.product;

import java.util.ArrayList;
import java.util.List;

import dev.kedai.platform.http.Page;
import io.helidon.dbclient.DbClient;

/**
 * The MariaDB adapter of {@link ProductSearch}: {@code MATCH ... AGAINST} over the catalog table
 * itself, so a query always reads the committed catalog (read-your-writes) and {@code total} is
 * exact. It answers lists without {@code q} too (category, attributes, price sort).
 */
public final class FulltextSearch implements ProductSearch {

    private static final String MATCH = "MATCH(name, description) AGAINST (? IN NATURAL LANGUAGE MODE)";

    private final DbClient db;

    public FulltextSearch(DbClient db) {
        this.db = db;
    }

    @Override
    public Page<Product> search(ProductQuery query) {
        // the statement is assembled from fixed fragments; every value goes in as a parameter
        StringBuilder where = new StringBuilder(" FROM products WHERE active");
        List<Object> params = new ArrayList<>();
        query.category().ifPresent(c -> {
            where.append(" AND category = ?");
            params.add(c);
        });
        for (AttributeFilter attr : query.attributes()) {
            where.append(" AND JSON_VALUE(attributes, ?) = ?");
            params.add(attr.jsonPath());
            params.add(attr.value());
        }
        query.text().ifPresent(q -> {
            where.append(" AND ").append(MATCH);
            params.add(q);
        });
        long total = db.execute().get("SELECT COUNT(*) AS total" + where, params.toArray())
                .map(r -> r.column("total").getLong()).orElse(0L);

        List<Object> pageParams = new ArrayList<>();
        String select = "SELECT " + ProductStore.COLUMNS;
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
}

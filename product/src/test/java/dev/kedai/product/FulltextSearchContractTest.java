package dev.kedai.product;

import java.util.Map;

/** The search contract on MariaDB FULLTEXT (the default engine): it reads the catalog itself. */
class FulltextSearchContractTest extends SearchContract {

    @Override
    protected Map<String, String> engine() {
        return Map.of("product.search.engine", "fulltext");
    }

    @Override
    protected void awaitSearchable() {
        // nothing to wait for: every write is searchable once it is committed
    }
}

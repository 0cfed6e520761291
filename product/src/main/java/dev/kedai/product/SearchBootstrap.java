package dev.kedai.product;

import java.lang.System.Logger.Level;
import java.time.Duration;

/**
 * Makes sure the search index exists when the service starts with OpenSearch: creates it (and
 * fills it from the database) if there is none, retrying in the background while the engine is
 * not reachable, so a product service never waits for OpenSearch to start.
 */
final class SearchBootstrap {

    private static final System.Logger LOG = System.getLogger(SearchBootstrap.class.getName());
    private static final Duration RETRY = Duration.ofSeconds(2);

    private SearchBootstrap() {
    }

    static Thread start(Reindex reindex) {
        return Thread.ofVirtual().name("search-bootstrap").start(() -> {
            while (true) {
                try {
                    if (reindex.ensure()) {
                        LOG.log(Level.INFO, "search index created and filled from the catalog");
                    }
                    return;
                } catch (Exception e) {
                    LOG.log(Level.DEBUG, () -> "search index not ensured yet: " + e.getMessage());
                }
                try {
                    Thread.sleep(RETRY);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }
}

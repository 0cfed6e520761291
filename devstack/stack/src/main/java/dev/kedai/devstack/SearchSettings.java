package dev.kedai.devstack;

import java.net.URI;
import java.util.Map;

/**
 * Which search engine the product service uses (docs/search.md): MariaDB FULLTEXT in its own
 * database, or an OpenSearch node the devstack starts beside the other servers.
 *
 * @param engine        {@code fulltext} or {@code opensearch}
 * @param port          the node's REST port ({@code --search-port}, default 9200 + offset)
 * @param transportPort its node-to-node port (default 9300 + offset)
 */
public record SearchSettings(String engine, int port, int transportPort) {

    public static final String FULLTEXT = "fulltext";
    public static final String OPENSEARCH = "opensearch";
    public static final int DEFAULT_PORT = 9200;
    public static final int DEFAULT_TRANSPORT_PORT = 9300;

    public SearchSettings {
        if (!engine.equals(FULLTEXT) && !engine.equals(OPENSEARCH)) {
            throw new UsageException("--search wants fulltext or opensearch, not " + engine);
        }
    }

    public static SearchSettings fulltext() {
        return new SearchSettings(FULLTEXT, DEFAULT_PORT, DEFAULT_TRANSPORT_PORT);
    }

    public boolean openSearch() {
        return engine.equals(OPENSEARCH);
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The product service's configuration to search with this node (keys of product's application.yaml). */
    public Map<String, String> openSearchProperties() {
        return Map.of("product.search.engine", OPENSEARCH, "product.search.opensearch.url", url().toString());
    }
}

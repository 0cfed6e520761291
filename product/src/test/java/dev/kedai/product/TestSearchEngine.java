package dev.kedai.product;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.infra.DbAccount;
import dev.kedai.infra.OpenSearchNode;
import dev.kedai.platform.http.Json;

/**
 * The tests' OpenSearch: one real node per test JVM (started on first use, on free ports, in a
 * temporary directory; stopped when the JVM exits), which a test may stop and start again on the
 * same ports and data (an outage). Each test class names its own index alias, so classes never
 * see each other's documents.
 */
final class TestSearchEngine {

    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static Path dir;
    private static int httpPort;
    private static int transportPort;
    private static OpenSearchNode node;

    private TestSearchEngine() {
    }

    /** The node's URL, starting it if it is not running. */
    static synchronized URI url() {
        if (node == null) {
            try {
                if (dir == null) {
                    dir = Files.createTempDirectory("kedai-search-test");
                    node = OpenSearchNode.start(dir, 0, 0);
                    httpPort = node.port();
                    transportPort = node.transportPort();
                    Runtime.getRuntime().addShutdownHook(new Thread(TestSearchEngine::stopAndDelete));
                } else {
                    node = OpenSearchNode.start(dir, httpPort, transportPort);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return node.url();
    }

    /** Stops the node (its data stays for the next {@link #url()}). */
    static synchronized void stop() {
        if (node != null) {
            node.close();
            node = null;
        }
    }

    private static void stopAndDelete() {
        stop();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory: left for the system's cleaning
        }
    }

    /** The product service's config for OpenSearch, with an alias of its own and quick recovery. */
    static Map<String, String> config(String alias) {
        Map<String, String> m = new HashMap<>();
        m.put("product.search.engine", "opensearch");
        m.put("product.search.opensearch.url", url().toString());
        m.put("product.search.opensearch.index", alias);
        m.put("product.search.opensearch.breaker.delay", "PT1S");
        // a cold node on a busy test machine: a slow first answer is not what these tests are about
        m.put("product.search.opensearch.timeout", "PT10S");
        m.put("events.retry-max-backoff", "PT1S");
        return m;
    }

    static String newAlias() {
        return "test-products-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Makes every written document visible to searches now, rather than at the next refresh. */
    static void refresh(String alias) {
        try {
            HttpResponse<String> answer = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(url().resolve("/" + alias + "/_refresh")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200) {
                throw new IllegalStateException("refresh answered " + answer.statusCode() + ": " + answer.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Every row of the catalog whose document is missing from the index or holds another version
     * or {@code active} than the row: empty when the index has caught up with the database.
     */
    static Map<String, String> differences(DbAccount db, String alias) {
        Map<String, String> rows = new TreeMap<>();
        try (var c = DriverManager.getConnection(db.url(), db.user(), db.password());
             var s = c.createStatement();
             var r = s.executeQuery("SELECT product_id, version, active FROM products")) {
            while (r.next()) {
                rows.put(r.getString(1), r.getLong(2) + "/" + r.getBoolean(3));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        Map<String, String> differ = new TreeMap<>();
        rows.forEach((id, expected) -> {
            try {
                JsonNode doc = document(alias, id);
                String indexed = doc.path("found").asBoolean()
                        ? doc.path("_version").asLong() + "/" + doc.path("_source").path("active").asBoolean() : "missing";
                if (!indexed.equals(expected)) {
                    differ.put(id, "database " + expected + ", index " + indexed);
                }
            } catch (UncheckedIOException e) {
                differ.put(id, "index unreadable: " + e.getMessage());
            }
        });
        return differ;
    }

    /** The index's answer to a GET of one document ({@code found}, {@code _version}, {@code _source}). */
    static JsonNode document(String alias, String id) {
        try {
            HttpResponse<String> got = CLIENT.send(
                    HttpRequest.newBuilder(url().resolve("/" + alias + "/_doc/" + id)).build(), HttpResponse.BodyHandlers.ofString());
            return Json.mapper().readTree(got.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

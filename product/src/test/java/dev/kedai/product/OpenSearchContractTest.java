package dev.kedai.product;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.platform.http.PageRequest;
import dev.kedai.platform.testing.TestHttp;
import io.helidon.dbclient.DbClient;

import org.junit.jupiter.api.Test;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The search contract on a real OpenSearch node, fed by the product events. */
class OpenSearchContractTest extends SearchContract {

    private final String alias = TestSearchEngine.newAlias();

    @Override
    protected Map<String, String> engine() {
        return TestSearchEngine.config(alias);
    }

    @Test
    void reindexRebuildsTheIndexBehindTheAliasWithAProgressBar() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = SearchAdmin.run(new String[] {"reindex"}, config, new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
        assertThat(rc).as(err.toString(UTF_8)).isZero();
        assertThat(out.toString(UTF_8)).contains("100%").contains(alias + " now points at " + alias + "-");
        // searches go on through the alias, to the new index, which holds every row at its version
        assertThat(TestSearchEngine.differences(db, alias)).isEmpty();
        assertThat(ids(search("q=kopi"))).hasSize(3);
        assertThat(SearchAdmin.run(new String[] {"nonsense"}, config, new PrintStream(out, true, UTF_8),
                                   new PrintStream(err, true, UTF_8))).isEqualTo(2);
    }

    @Test
    void searchesAndWritesGoOnWhileAReindexRunsAndNoWriteIsLost() throws Exception {
        List<String> crackers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            crackers.add(create("Kerupuk Udang " + i, "Prawn crackers", 12000, "snack", "{}"));
        }
        crackers.sort(null);   // the reindex copies by id: crackers.getFirst() is in its first pages
        awaitSearchable();
        AtomicInteger searches = new AtomicInteger();
        List<String> failed = new CopyOnWriteArrayList<>();
        AtomicBoolean reindexing = new AtomicBoolean(true);
        // searched all along: a new query every time, so no answer comes from the answer cache
        Thread searcher = Thread.ofVirtual().start(() -> {
            for (int n = 0; reindexing.get(); n++) {
                HttpResponse<String> answer = http().get("/products?q=kopi%20z" + n);
                if (answer.statusCode() != 200 || TestHttp.json(answer).get("total").asLong() != 3) {
                    failed.add(answer.statusCode() + " " + answer.body());
                }
                searches.incrementAndGet();
            }
        });
        DbClient client = DbClient.create(config.get("db"));
        AtomicInteger writes = new AtomicInteger();
        Reindex.Result result;
        try (SearchIndex index = SearchIndex.create(config)) {
            // one row per page; after each page the shop writes once through the admin API and the
            // live feed puts that write into the index behind the alias (the old one until the swap),
            // and at least one more search is answered
            AtomicInteger seenSearches = new AtomicInteger();
            result = new Reindex(new ProductStore(client), index, Clock.systemUTC(), 1).run(total -> { }, copied -> {
                String written = write(writes.getAndIncrement(), crackers);
                await().atMost(Duration.ofSeconds(30)).until(
                        () -> !TestSearchEngine.differences(db, alias).containsKey(written) && searches.get() > seenSearches.get());
                seenSearches.set(searches.get());
            });
            assertThat(index.indicesBehindAlias()).containsExactly(result.index());
        } finally {
            reindexing.set(false);
            searcher.join();
            client.close();
        }
        assertThat(writes.get()).isGreaterThanOrEqualTo(17);
        assertThat(searches.get()).isGreaterThanOrEqualTo(writes.get());
        assertThat(failed).as("searches during the reindex that did not answer 200 with the 3 kopi products").isEmpty();
        // every write made meanwhile is in the new index: it equals the database
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(TestSearchEngine.differences(db, alias)).isEmpty());
    }

    // the n-th write of a reindex: renames (of a product copied already, and of others), creates, deletes; the product written
    private String write(int n, List<String> crackers) {
        String id = switch (n % 4) {
            case 0 -> crackers.getFirst();
            case 1 -> create("Kerupuk Ikan " + n, "Fish crackers", 9000, "snack", "{}");
            case 2 -> crackers.get(6 + (n / 4) % 6);
            default -> crackers.get(1 + (n / 4) % 5);
        };
        HttpResponse<String> answer = switch (n % 4) {
            case 1 -> null;
            case 3 -> send("DELETE", "/products/" + id, null);
            default -> send("PATCH", "/products/" + id, "{\"name\":\"Kerupuk Udang " + n + "\"}");
        };
        // a second delete of one product is a 404, and a write like any other for the index to agree with
        assertThat(answer == null || answer.statusCode() < 300 || answer.statusCode() == 404).as(String.valueOf(answer)).isTrue();
        return id;
    }

    @Test
    void anOlderVersionOfAProductNeverReplacesANewerOneInTheIndex() throws Exception {
        DbClient client = DbClient.create(config.get("db"));
        try (SearchIndex index = SearchIndex.create(config)) {
            ProductStore store = new ProductStore(client);
            String id = create("Kerupuk Kulit", "Crackers of cow skin", 15000, "snack", "{}");
            // what the indexer writes for an event: the row as it was when the event was handled
            SearchDocument created = store.document(client.execute(), id).orElseThrow();
            HttpResponse<String> renamed = send("PATCH", "/products/" + id, "{\"name\":\"Kerupuk Rambak\"}");
            assertThat(renamed.statusCode()).as(renamed.body()).isEqualTo(200);
            SearchDocument updated = store.document(client.execute(), id).orElseThrow();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(
                    () -> assertThat(indexed(id)).isEqualTo("Kerupuk Rambak v" + updated.version() + " active"));

            // the create's document arrives late (a slow handler, a redelivery, a reindex page read before the rename)
            index.put(created);
            index.putAll(alias, List.of(created));
            assertThat(indexed(id)).as("the older create after the rename").isEqualTo("Kerupuk Rambak v" + updated.version() + " active");

            assertThat(send("DELETE", "/products/" + id, null).statusCode()).isEqualTo(204);
            long deleted = store.document(client.execute(), id).orElseThrow().version();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(
                    () -> assertThat(indexed(id)).isEqualTo("Kerupuk Rambak v" + deleted + " inactive"));
            index.put(updated);
            index.putAll(alias, List.of(updated));
            assertThat(indexed(id)).as("the older rename after the delete").isEqualTo("Kerupuk Rambak v" + deleted + " inactive");
            TestSearchEngine.refresh(alias);
            assertThat(ids(search("q=rambak"))).as("a deleted product is not brought back").isEmpty();
        } finally {
            client.close();
        }
    }

    // the indexed document of a product, as "name vVERSION active|inactive"
    private String indexed(String id) {
        JsonNode doc = TestSearchEngine.document(alias, id);
        JsonNode source = doc.path("_source");
        return source.path("name").asText() + " v" + source.path("version").asLong()
                + (source.path("active").asBoolean() ? " active" : " inactive");
    }

    @Test
    void aRepeatedSearchIsAskedOnceUntilItsAnswerTtlPasses() {
        AtomicLong nanos = new AtomicLong();
        try (SearchIndex index = SearchIndex.create(config)) {
            IndexedSearch search = new IndexedSearch(index, config, nanos::get);
            ProductQuery rendang = new ProductQuery(Optional.of("rendang"), Optional.empty(), List.of(),
                                                    ProductSort.RELEVANCE, new PageRequest(1, 20));
            assertThat(search.search(rendang).items()).isEmpty();
            String id = create("Bumbu Rendang", "Spice paste from Padang", 20000, "pantry", "{}");
            awaitSearchable();
            assertThat(search.search(rendang).items()).as("within the answer TTL (0.5 s): the kept answer").isEmpty();
            nanos.addAndGet(Duration.ofMillis(501).toNanos());
            assertThat(search.search(rendang).items()).extracting(Product::productId).containsExactly(id);
        }
    }

    @Override
    protected void awaitSearchable() {
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(TestSearchEngine.differences(db, alias)).isEmpty());
        // written documents become visible to searches at the index's next refresh (1 s): now
        TestSearchEngine.refresh(alias);
    }
}

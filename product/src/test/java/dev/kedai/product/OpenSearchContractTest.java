package dev.kedai.product;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import dev.kedai.platform.http.PageRequest;

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

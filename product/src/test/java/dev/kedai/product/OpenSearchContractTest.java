package dev.kedai.product;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The search contract on a real OpenSearch node, fed by the product events. */
class OpenSearchContractTest extends SearchContract {

    private final String alias = TestSearchEngine.newAlias();

    @Override
    protected Map<String, String> engine() {
        return TestSearchEngine.config(alias);
    }

    @Override
    protected void awaitSearchable() {
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(TestSearchEngine.differences(db, alias)).isEmpty());
        // written documents become visible to searches at the index's next refresh (1 s): now
        TestSearchEngine.refresh(alias);
    }
}

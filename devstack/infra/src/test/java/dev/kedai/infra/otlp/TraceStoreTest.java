package dev.kedai.infra.otlp;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** `./kedai trace <id>` finds the last traces by trace id or request id, and only those. */
class TraceStoreTest {

    private static ReceivedSpan span(String traceId, String requestId) {
        return new ReceivedSpan("edge", traceId, "00000000000000a1", "", "GET /products", "SERVER", 1, 2,
                requestId == null ? Map.of() : Map.of(TraceStore.REQUEST_ID_ATTRIBUTE, requestId), false, List.of(), "");
    }

    @Test
    void keepsTheNewestTracesFindableByRequestIdAndForgetsTheDroppedOnes() {
        TraceStore store = new TraceStore(2);
        store.add(List.of(span("t1", "r1")));
        store.add(List.of(span("t2", "r2"), span("t2", null)));
        store.add(List.of(span("t3", "r3")));

        assertThat(store.trace("r1")).isEmpty();
        assertThat(store.trace("t1")).isEmpty();
        assertThat(store.trace("r2")).hasValueSatisfying(spans -> assertThat(spans).hasSize(2));
        assertThat(store.trace("r3")).hasValueSatisfying(spans -> assertThat(spans.getFirst().traceId()).isEqualTo("t3"));
    }

    @Test
    void aRequestIdSentAgainInANewerTraceOutlivesItsFirstTrace() {
        TraceStore store = new TraceStore(2);
        store.add(List.of(span("t1", "same")));
        store.add(List.of(span("t2", "same")));
        store.add(List.of(span("t3", "other")));

        assertThat(store.trace("same")).hasValueSatisfying(spans -> assertThat(spans.getFirst().traceId()).isEqualTo("t2"));
    }
}

package dev.kedai.infra.otlp;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One span as an OTLP exporter sent it, ids in lower-case hex.
 *
 * @param service      the resource's {@code service.name}
 * @param parentSpanId empty for a trace's root span
 * @param kind         INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER (or UNSPECIFIED)
 * @param error        status code ERROR
 * @param links        "traceId/spanId" of linked spans
 * @param traceState   the span's W3C {@code tracestate} (vendors' entries it carries on), empty when none
 */
public record ReceivedSpan(String service, String traceId, String spanId, String parentSpanId, String name,
                           String kind, long startNanos, long endNanos, Map<String, String> attributes,
                           boolean error, List<String> links, String traceState) {

    public Duration duration() {
        return Duration.ofNanos(Math.max(0, endNanos - startNanos));
    }

    public boolean isRoot() {
        return parentSpanId.isEmpty();
    }
}

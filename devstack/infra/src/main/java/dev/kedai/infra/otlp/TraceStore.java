package dev.kedai.infra.otlp;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The last {@code capacity} traces received, in memory: enough to look at what just happened
 * locally without a tracing backend. A trace is found by its id or by the request id
 * ({@code X-Request-ID}) its HTTP spans carry as {@code http.request.header.x-request-id}.
 */
public final class TraceStore {

    /** The attribute the request id travels in (semantic conventions for a captured request header). */
    public static final String REQUEST_ID_ATTRIBUTE = "http.request.header.x-request-id";

    private final int capacity;
    // insertion order: the eldest trace is dropped first
    private final LinkedHashMap<String, List<ReceivedSpan>> traces = new LinkedHashMap<>();
    private final Map<String, String> byRequestId = new HashMap<>();
    // the request ids each kept trace was indexed under, so dropping a trace touches only its own
    // (scanning every request id on each drop cost the dev edge a fifth of its CPU, issue 16)
    private final Map<String, List<String>> requestIdsOf = new HashMap<>();

    public TraceStore(int capacity) {
        this.capacity = Math.max(1, capacity);
    }

    public synchronized void add(List<ReceivedSpan> spans) {
        for (ReceivedSpan s : spans) {
            traces.computeIfAbsent(s.traceId(), id -> new ArrayList<>()).add(s);
            String requestId = s.attributes().get(REQUEST_ID_ATTRIBUTE);
            if (requestId != null) {
                byRequestId.put(requestId, s.traceId());
                requestIdsOf.computeIfAbsent(s.traceId(), id -> new ArrayList<>(2)).add(requestId);
            }
        }
        while (traces.size() > capacity) {
            String eldest = traces.keySet().iterator().next();
            traces.remove(eldest);
            for (String requestId : requestIdsOf.getOrDefault(eldest, List.of())) {
                // a request id seen again in a newer trace points there now: keep that
                byRequestId.remove(requestId, eldest);
            }
            requestIdsOf.remove(eldest);
        }
    }

    /** The spans of the trace with this id, or of the trace of this request id, ordered by start. */
    public synchronized Optional<List<ReceivedSpan>> trace(String traceOrRequestId) {
        String id = traceOrRequestId.trim();
        List<ReceivedSpan> spans = traces.get(id.toLowerCase(Locale.ROOT));
        if (spans == null && byRequestId.containsKey(id)) {
            spans = traces.get(byRequestId.get(id));
        }
        return Optional.ofNullable(spans).map(s -> s.stream()
                .sorted(Comparator.comparingLong(ReceivedSpan::startNanos)).toList());
    }

    /** Every span received and kept, in arrival order per trace. */
    public synchronized List<ReceivedSpan> all() {
        return traces.values().stream().flatMap(List::stream).toList();
    }

    /** One line of {@link #slowest(int)}. */
    public record Summary(String traceId, String root, long durationNanos, int spans, boolean error) {
    }

    /** The {@code n} longest traces kept, longest first (from the first start to the last end). */
    public synchronized List<Summary> slowest(int n) {
        return traces.entrySet().stream().map(e -> summary(e.getKey(), e.getValue()))
                .sorted(Comparator.comparingLong(Summary::durationNanos).reversed())
                .limit(n).toList();
    }

    private static Summary summary(String traceId, List<ReceivedSpan> spans) {
        long start = spans.stream().mapToLong(ReceivedSpan::startNanos).min().orElse(0);
        long end = spans.stream().mapToLong(ReceivedSpan::endNanos).max().orElse(0);
        ReceivedSpan root = spans.stream().filter(ReceivedSpan::isRoot).findFirst()
                .orElse(spans.stream().min(Comparator.comparingLong(ReceivedSpan::startNanos)).orElseThrow());
        return new Summary(traceId, root.service() + " " + root.name(), end - start, spans.size(),
                spans.stream().anyMatch(ReceivedSpan::error));
    }
}

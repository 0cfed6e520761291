package dev.kedai.infra.otlp;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A trace as text for a terminal: the span tree (children indented under their parent, in order
 * of start), each span's service, name, duration and a bar placed on the trace's time line.
 * <pre>
 * trace 4bf92f3577b34da6a3ce929d0e0e4736, 9 spans, 48.2 ms
 * edge       POST /order                        48.2 ms |########################################|
 * cartorder    POST /order                      45.9 ms | ###################################### |
 * cartorder      transaction                     3.1 ms |  ###                                   |
 * </pre>
 */
public final class Waterfall {

    private static final int BAR = 40;

    private Waterfall() {
    }

    public static String render(List<ReceivedSpan> spans) {
        long start = spans.stream().mapToLong(ReceivedSpan::startNanos).min().orElse(0);
        long end = spans.stream().mapToLong(ReceivedSpan::endNanos).max().orElse(start);
        long total = Math.max(1, end - start);
        Set<String> ids = spans.stream().map(ReceivedSpan::spanId).collect(Collectors.toSet());
        Map<String, List<ReceivedSpan>> children = spans.stream()
                .filter(s -> ids.contains(s.parentSpanId()))
                .collect(Collectors.groupingBy(ReceivedSpan::parentSpanId));
        // roots: no parent, or a parent this store never received (e.g. a client's own span)
        List<ReceivedSpan> roots = spans.stream().filter(s -> !ids.contains(s.parentSpanId()))
                .sorted(Comparator.comparingLong(ReceivedSpan::startNanos)).toList();
        List<String> lines = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (ReceivedSpan root : roots) {
            walk(root, 0, children, start, total, lines, seen);
        }
        String traceId = spans.isEmpty() ? "?" : spans.get(0).traceId();
        return "trace " + traceId + ", " + spans.size() + " spans, " + millis(total) + "\n"
                + String.join("\n", lines) + "\n";
    }

    private static void walk(ReceivedSpan s, int depth, Map<String, List<ReceivedSpan>> children, long start,
                             long total, List<String> lines, Set<String> seen) {
        if (!seen.add(s.spanId())) {
            return;
        }
        String label = "  ".repeat(depth) + s.name() + (s.error() ? " !" : "");
        int from = (int) Math.min(BAR - 1, (s.startNanos() - start) * BAR / total);
        int to = (int) Math.max(from + 1, Math.min(BAR, (s.endNanos() - start) * BAR / total));
        String bar = " ".repeat(from) + "#".repeat(to - from) + " ".repeat(BAR - to);
        lines.add(String.format("%-10s %-44s %10s |%s|", s.service(), truncate(label, 44), millis(s.endNanos() - s.startNanos()), bar));
        for (ReceivedSpan c : children.getOrDefault(s.spanId(), List.of()).stream()
                .sorted(Comparator.comparingLong(ReceivedSpan::startNanos)).toList()) {
            walk(c, depth + 1, children, start, total, lines, seen);
        }
    }

    private static String truncate(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 1) + "~";
    }

    static String millis(long nanos) {
        return String.format("%.1f ms", nanos / 1e6);
    }

    /** The list printed by {@code ./kedai trace --slowest}. */
    public static String slowest(List<TraceStore.Summary> traces) {
        if (traces.isEmpty()) {
            return "no traces received yet\n";
        }
        StringBuilder out = new StringBuilder(String.format("%-32s %10s %6s  %s%n", "trace id", "duration", "spans", "root"));
        for (TraceStore.Summary t : traces) {
            out.append(String.format("%-32s %10s %6d  %s%s%n", t.traceId(), millis(t.durationNanos()), t.spans(), t.root(),
                    t.error() ? " (error)" : ""));
        }
        return out.toString();
    }
}

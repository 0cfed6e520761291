package dev.kedai.devstack.edge;

import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.kedai.infra.otlp.ReceivedSpan;

/**
 * The dev edge's part in W3C trace context, as Kong's {@code opentelemetry} plugin does in the
 * cluster: a request that brings a valid {@code traceparent} continues that trace (and its
 * sampling decision), one without starts a trace, sampled at {@code ratio}. Either way the edge
 * has a span of its own (SERVER, service "edge"), whose id the services see as their parent;
 * sampled spans go to {@code sink} (the devstack's trace receiver). The caller's {@code tracestate}
 * goes on with the trace it belongs to and is dropped with a trace the edge starts (W3C: it
 * means nothing without its {@code traceparent}).
 */
public final class EdgeTrace {

    /** No span, no header: a client's {@code traceparent} passes through untouched. */
    public static final EdgeTrace OFF = new EdgeTrace(0, span -> { });

    private static final Pattern TRACEPARENT = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})");
    private static final String INVALID_TRACE = "0".repeat(32);
    private static final String INVALID_SPAN = "0".repeat(16);
    private static final HexFormat HEX = HexFormat.of();

    private final double ratio;
    private final Consumer<ReceivedSpan> sink;

    public EdgeTrace(double ratio, Consumer<ReceivedSpan> sink) {
        this.ratio = ratio;
        this.sink = sink;
    }

    public boolean enabled() {
        return this != OFF;
    }

    /** The edge's span of one request; {@code traceState} is empty when none goes upstream. */
    public record Span(String traceId, String spanId, String parentSpanId, String traceState, boolean sampled,
                       long startEpochNanos, long startNanoTime) {

        /** The header sent upstream: this span is the services' parent. */
        public String traceparent() {
            return "00-" + traceId + "-" + spanId + "-" + (sampled ? "01" : "00");
        }
    }

    /** Starts the span of a request that sent {@code traceparent} and {@code tracestate} (or none). */
    public Span begin(Optional<String> traceparent, Optional<String> tracestate) {
        Instant now = Instant.now();
        long epochNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        Optional<Matcher> caller = traceparent.map(String::strip).map(TRACEPARENT::matcher).filter(Matcher::matches)
                .filter(m -> !m.group(1).equals(INVALID_TRACE) && !m.group(2).equals(INVALID_SPAN));
        if (caller.isPresent()) {
            Matcher m = caller.get();
            boolean sampled = (Integer.parseInt(m.group(3), 16) & 1) == 1;
            return new Span(m.group(1), newId(8), m.group(2), tracestate.map(String::strip).orElse(""), sampled,
                    epochNanos, System.nanoTime());
        }
        boolean sampled = ratio > 0 && ThreadLocalRandom.current().nextDouble() < ratio;
        return new Span(newId(16), newId(8), "", "", sampled, epochNanos, System.nanoTime());
    }

    /** Ends {@code span}: a sampled one goes to the sink, named like the services' spans. */
    public void end(Span span, String method, String path, String route, int status, String requestId) {
        if (!span.sampled() || !enabled()) {
            return;
        }
        long end = span.startEpochNanos() + (System.nanoTime() - span.startNanoTime());
        Map<String, String> attributes = new java.util.LinkedHashMap<>();
        attributes.put("http.request.method", method);
        attributes.put("url.path", path);
        attributes.put("http.response.status_code", Integer.toString(status));
        attributes.put("kong.route", route);
        if (requestId != null) {
            attributes.put("http.request.header.x-request-id", requestId);
        }
        sink.accept(new ReceivedSpan("edge", span.traceId(), span.spanId(), span.parentSpanId(), method + " " + path,
                "SERVER", span.startEpochNanos(), end, attributes, status >= 500, List.of(), span.traceState()));
    }

    private static String newId(int bytes) {
        byte[] id = new byte[bytes];
        do {
            ThreadLocalRandom.current().nextBytes(id);
        } while (allZero(id));
        return HEX.formatHex(id);
    }

    private static boolean allZero(byte[] id) {
        for (byte b : id) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}

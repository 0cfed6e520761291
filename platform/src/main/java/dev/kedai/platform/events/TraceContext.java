package dev.kedai.platform.events;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The W3C trace context an event travels with: stored in the outbox row next to it, published as
 * Kafka headers, read back by the consumer.
 *
 * <p>On the record it is written twice with the same value: {@code traceparent}/{@code tracestate}
 * (W3C trace context as Kafka headers, what OpenTelemetry's Kafka instrumentation and most tools
 * read) and {@code ce_traceparent}/{@code ce_tracestate} (the CloudEvents distributed-tracing
 * extension in the Kafka binding's binary mode, which must carry the same context as the
 * transport's own headers for a single hop). The consumer reads the W3C headers.
 *
 * @param traceparent null when the event was written outside a trace
 * @param tracestate  null when empty
 */
record TraceContext(String traceparent, String tracestate) {

    static final TraceContext NONE = new TraceContext(null, null);
    static final String TRACEPARENT = "traceparent";
    static final String TRACESTATE = "tracestate";
    static final String CE_TRACEPARENT = "ce_traceparent";
    static final String CE_TRACESTATE = "ce_tracestate";

    private static final TextMapGetter<TraceContext> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(TraceContext c) {
            return java.util.List.of(TRACEPARENT, TRACESTATE);
        }

        @Override
        public String get(TraceContext c, String key) {
            return c == null ? null : switch (key) {
                case TRACEPARENT -> c.traceparent;
                case TRACESTATE -> c.tracestate;
                default -> null;
            };
        }
    };

    /** The context of the span current on this thread; {@link #NONE} outside a trace (always, with tracing off). */
    static TraceContext current() {
        if (!Span.current().getSpanContext().isValid()) {
            return NONE;
        }
        return of(Context.current());
    }

    /** The context of {@code context}'s span, as it goes on the wire. */
    static TraceContext of(Context context) {
        Map<String, String> carrier = new HashMap<>(2);
        W3CTraceContextPropagator.getInstance().inject(context, carrier, Map::put);
        return new TraceContext(carrier.get(TRACEPARENT), carrier.get(TRACESTATE));
    }

    /** What the producer put on {@code headers} (the W3C headers); {@link #NONE} without them. */
    static TraceContext of(Headers headers) {
        String parent = header(headers, TRACEPARENT);
        return parent == null ? NONE : new TraceContext(parent, header(headers, TRACESTATE));
    }

    boolean present() {
        return traceparent != null;
    }

    /** The remote parent this context names ({@link Context#root()} when none or malformed). */
    Context parent() {
        return present() ? W3CTraceContextPropagator.getInstance().extract(Context.root(), this, GETTER) : Context.root();
    }

    /** Puts this context on a record being published (nothing when there is none). */
    void addTo(Headers headers) {
        if (!present()) {
            return;
        }
        put(headers, TRACEPARENT, traceparent);
        put(headers, CE_TRACEPARENT, traceparent);
        if (tracestate != null && !tracestate.isEmpty()) {
            put(headers, TRACESTATE, tracestate);
            put(headers, CE_TRACESTATE, tracestate);
        }
    }

    private static void put(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String header(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}

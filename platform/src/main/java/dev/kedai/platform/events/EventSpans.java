package dev.kedai.platform.events;

import dev.kedai.platform.observe.Tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The spans of the Kafka leg of a trace (OpenTelemetry messaging semantic conventions):
 * <ul>
 * <li>the relay's {@code send <topic>} (PRODUCER), one per event, a child of the transaction that
 *     wrote the event (its context stored in the outbox row); it lasts from the send to Kafka's ack
 *     and its context is what the record carries;</li>
 * <li>the consumer's {@code process <topic>} (CONSUMER), one per event whose handler runs, a
 *     <em>child</em> of that send span: each handler applies exactly one event, so its work belongs
 *     to that event's trace, and the checkout stays one trace from the edge to the consumer.
 *     (A span per batch with a link per event would split it: the batch is a grouping of the
 *     consumer's, not of any request's.) What the batch shares, the {@code processed_events}
 *     insert and the commit, is in no event's span.</li>
 * </ul>
 * An event written outside a trace (a poll loop's) gets no span on either side; with tracing off
 * nothing here runs.
 */
final class EventSpans {

    static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
    static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
    static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
    static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    static final AttributeKey<String> PARTITION = AttributeKey.stringKey("messaging.destination.partition.id");
    static final AttributeKey<Long> OFFSET = AttributeKey.longKey("messaging.kafka.offset");
    static final AttributeKey<String> KEY = AttributeKey.stringKey("messaging.kafka.message.key");
    static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
    static final AttributeKey<String> GROUP = AttributeKey.stringKey("messaging.consumer.group.name");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> CE_ID = AttributeKey.stringKey("cloudevents.event_id");
    static final AttributeKey<String> CE_TYPE = AttributeKey.stringKey("cloudevents.event_type");
    static final AttributeKey<String> CE_SOURCE = AttributeKey.stringKey("cloudevents.event_source");

    private final Tracing tracing;

    EventSpans(Tracing tracing) {
        this.tracing = tracing;
    }

    /**
     * The send span of one outbox event, started now; {@link Span#getInvalid()} when tracing is off
     * or the event was written outside a trace.
     */
    Span send(String topic, String key, String eventId, String type, String source, TraceContext stored) {
        if (!tracing.enabled() || !stored.present()) {
            return Span.getInvalid();
        }
        return messaging("send", SpanKind.PRODUCER, stored, topic, key, eventId, type, source).startSpan();
    }

    /** Ends a send span with Kafka's answer (called on the producer's thread: cheap). */
    static void sent(Span span, RecordMetadata metadata, Exception failure) {
        if (!span.getSpanContext().isValid()) {
            return;
        }
        if (failure != null) {
            failed(span, failure);
        } else if (metadata != null) {
            span.setAttribute(PARTITION, Integer.toString(metadata.partition()));
            if (metadata.hasOffset()) {
                span.setAttribute(OFFSET, metadata.offset());
            }
        }
        span.end();
    }

    /** Runs {@code handler} for {@code event} in its process span (when the event came within a trace). */
    void process(String group, ConsumerRecord<String, byte[]> record, ConsumedEvent event, Handling handling)
            throws Exception {
        TraceContext context = tracing.enabled() ? TraceContext.of(record.headers()) : TraceContext.NONE;
        if (!context.present()) {
            handling.run();
            return;
        }
        Span span = messaging("process", SpanKind.CONSUMER, context, record.topic(), record.key(), event.id(),
                              event.type(), event.source())
                .setAttribute(PARTITION, Integer.toString(record.partition()))
                .setAttribute(OFFSET, record.offset())
                .setAttribute(GROUP, group)
                .startSpan();
        // current while the handler runs: its gRPC calls and the events it appends continue the trace
        try (Scope ignored = span.makeCurrent()) {
            handling.run();
        } catch (Exception | Error e) {
            failed(span, e);
            throw e;
        } finally {
            span.end();
        }
    }

    /** A span named {@code "<operation> <topic>"} with the attributes both sides share. */
    private SpanBuilder messaging(String operation, SpanKind kind, TraceContext parent, String topic, String key,
                                  String eventId, String type, String source) {
        return tracing.tracer().spanBuilder(operation + " " + topic)
                .setParent(parent.parent())
                .setSpanKind(kind)
                .setAttribute(SYSTEM, "kafka")
                .setAttribute(OPERATION_TYPE, operation)
                .setAttribute(OPERATION_NAME, operation)
                .setAttribute(DESTINATION, topic)
                .setAttribute(KEY, key)
                .setAttribute(MESSAGE_ID, eventId)
                .setAttribute(CE_ID, eventId)
                .setAttribute(CE_TYPE, type)
                .setAttribute(CE_SOURCE, source);
    }

    private static void failed(Span span, Throwable e) {
        span.recordException(e);
        span.setAttribute(ERROR_TYPE, e.getClass().getName());
        span.setStatus(StatusCode.ERROR);
    }

    /** A handler's run. */
    @FunctionalInterface
    interface Handling {
        void run() throws Exception;
    }
}

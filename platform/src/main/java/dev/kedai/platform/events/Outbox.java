package dev.kedai.platform.events;

import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.UUID;

import dev.kedai.platform.db.Transactions;

import com.google.protobuf.Message;
import io.helidon.dbclient.DbTransaction;

/**
 * Appends events to the {@code outbox} table inside the caller's transaction, so an event
 * exists exactly when the state change it describes was committed. {@link OutboxRelay}
 * publishes the rows; a transaction run by {@link Transactions#inTransaction} that appended one
 * wakes the relays as soon as it commits. The trace context current when the event is written
 * (the request's, inside a trace) is stored with it, so the event continues that trace
 * ({@link TraceContext}).
 */
public final class Outbox {

    private static final String INSERT = """
            INSERT INTO outbox (event_id, topic, event_key, event_type, source, event_time, payload, traceparent, tracestate)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""";

    private static final Runnable WAKE_RELAYS = OutboxRelay::wakeAll;

    private final String source;
    private final Clock clock;

    /**
     * @param source {@code ce_source} of every event, the service name (e.g. "kedai-product")
     */
    public Outbox(String source) {
        this(source, Clock.systemUTC());
    }

    Outbox(String source, Clock clock) {
        this.source = Objects.requireNonNull(source, "source");
        this.clock = clock;
    }

    /**
     * Writes one event in {@code tx}; the relays of this process are woken when it commits.
     *
     * @param tx      the transaction that also writes the state change, run by {@link Transactions#inTransaction}
     * @param topic   the topic (see {@code dev.kedai.contracts.Topics})
     * @param key     the aggregate id; events with one key keep their order
     * @param payload the protobuf event; its full name becomes {@code ce_type}
     * @return the new event's {@code ce_id}
     */
    public String append(DbTransaction tx, String topic, String key, Message payload) {
        String id = UUID.randomUUID().toString();
        TraceContext trace = TraceContext.current();
        tx.createInsert(INSERT)
                .addParam(id)
                .addParam(Objects.requireNonNull(topic, "topic"))
                .addParam(Objects.requireNonNull(key, "key"))
                .addParam(payload.getDescriptorForType().getFullName())
                .addParam(source)
                .addParam(rfc3339(clock.instant()))
                .addParam(payload.toByteArray())
                .addParam(trace.traceparent())
                .addParam(trace.tracestate())
                .execute();
        Transactions.afterCommit(WAKE_RELAYS);
        return id;
    }

    static String rfc3339(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant);
    }
}

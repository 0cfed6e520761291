package dev.kedai.platform.events;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import dev.kedai.platform.db.Transactions;
import dev.kedai.platform.health.SupervisedLoop;
import dev.kedai.platform.observe.Tracing;
import dev.kedai.platform.server.InstanceName;
import io.helidon.common.config.Config;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbRow;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;

import io.opentelemetry.api.trace.Span;

/**
 * Publishes outbox rows to Kafka in id order and marks them sent, holding no lock and no open
 * transaction while it waits for Kafka. One round:
 * <ol>
 * <li><b>lease</b>: an UPDATE takes or renews the lease row ({@code outbox_relay_lease},
 *     {@code outbox.lease}, default PT5S): one relay of the service publishes at a time, so events
 *     of one key never overtake each other across replicas. The others stand by (looking every
 *     second) and take over when the lease lapses: within the lease of a holder killed with
 *     kill -9, at once when it stops cleanly and hands it back. The holder renews it at every round
 *     and every third of the lease while it waits for acks, so a publish slower than the lease
 *     keeps it; a holder that stops making progress (killed, paused, its round stuck elsewhere)
 *     loses it;</li>
 * <li><b>claim</b>: in the same short READ COMMITTED transaction as the lease (whose row it keeps
 *     locked until it commits), selects the oldest unsent rows not claimed by
 *     another relay ({@code FOR UPDATE SKIP LOCKED}: rows of transactions still in flight are skipped,
 *     not waited for, and no gap is locked, so writers are never blocked) and stamps them claimed
 *     by this relay until {@code now + outbox.lease};</li>
 * <li><b>publish</b> with an idempotent producer and wait for the acks (bounded by the producer's
 *     delivery timeout), with no transaction open; an event written inside a trace is sent in a
 *     {@code send <topic>} span and carries its context in {@code traceparent} ({@link EventSpans});</li>
 * <li><b>mark sent</b> in one autocommit UPDATE. If some sends failed, only the rows before the first
 *     failure are marked; the rest are handed back and published again, in order, next round.</li>
 * </ol>
 * Two relays therefore never both publish a row in the normal path. A holder that stalls longer than
 * the lease between its claim and its sends (paused, starved of CPU) loses the lease and its claims,
 * and both publish those rows: duplicates, which consumers drop, each key's first copies in order. If the process dies between
 * the acks and the mark, its rows are published again by the next holder (a restarted relay on
 * the same host takes its own lease and claims back at once): delivery is at least once, and
 * consumers de-duplicate by {@code ce_id} ({@link EventConsumer}).
 *
 * <p>Every commit through {@link Transactions} that appended to the outbox wakes the relays of
 * the process at once ({@link Outbox#append}); otherwise they look every {@code outbox.poll-interval}.
 * The loop is a {@link SupervisedLoop} ({@code outbox-relay-<service>}): a round that fails (Kafka
 * or the database away) is retried after a pause; liveness and {@code kedai_loop_*} report it.
 *
 * <p>Config (root): {@code kafka.bootstrap-servers}, {@code kafka.topic-prefix},
 * {@code kafka.producer.*} ({@link KafkaClients}), {@code outbox.poll-interval} (default PT0.1S),
 * {@code outbox.batch-size} (default 200), {@code outbox.lease} (default PT5S: how long events stall
 * when the holder dies; several database round trips long, as it is renewed by them), {@code outbox.relay-id}
 * (default: the {@link InstanceName}; a restarted pod keeps it, and with it its lease).
 */
public final class OutboxRelay implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(OutboxRelay.class.getName());

    private static final String TAKE_LEASE = """
            UPDATE outbox_relay_lease SET holder = ?, lease_until = CURRENT_TIMESTAMP(6) + INTERVAL ? MICROSECOND
            WHERE id = 1 AND (holder = ? OR holder IS NULL OR lease_until < CURRENT_TIMESTAMP(6))""";
    private static final String RENEW_LEASE = """
            UPDATE outbox_relay_lease SET lease_until = CURRENT_TIMESTAMP(6) + INTERVAL ? MICROSECOND
            WHERE id = 1 AND holder = ?""";
    private static final String GIVE_BACK_LEASE = "UPDATE outbox_relay_lease SET holder = NULL, lease_until = NULL WHERE id = 1 AND holder = ?";
    private static final String READ_COMMITTED = "SET TRANSACTION ISOLATION LEVEL READ COMMITTED";
    private static final String UNSENT = """
            SELECT id, event_id, topic, event_key, event_type, source, event_time, payload, traceparent, tracestate FROM outbox
            WHERE sent_at IS NULL AND (claimed_by IS NULL OR claimed_by = ? OR claimed_until < CURRENT_TIMESTAMP(6))
            ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED""";
    private static final String BACKLOG = "SELECT COUNT(*) AS backlog FROM outbox WHERE sent_at IS NULL";
    private static final Duration COUNT_EVERY = Duration.ofSeconds(5);
    private static final Duration STANDBY_POLL = Duration.ofSeconds(1);
    /** The lease when {@code outbox.lease} is not set: a standby takes over this long after the holder dies. */
    private static final Duration DEFAULT_LEASE = Duration.ofSeconds(5);
    // the relays of this process, woken after a commit that appended to the outbox
    private static final Set<OutboxRelay> RUNNING = ConcurrentHashMap.newKeySet();

    private final DbClient db;
    private final Transactions transactions;
    private final Producer<String, byte[]> producer;
    private final Duration pollInterval;
    private final int batchSize;
    private final Duration lease;
    private final Duration ackTimeout;
    private final Duration renewEvery;
    private final String topicPrefix;
    private final String relayId;
    private final SupervisedLoop loop;
    private final EventSpans spans;
    private long lastCount = System.nanoTime() - COUNT_EVERY.toNanos();
    private volatile long lastBacklog;
    private volatile boolean leader;

    /** Test hook: throw after the acks, before marking sent (a crash at the worst moment). */
    volatile boolean crashAfterSend;

    private OutboxRelay(Builder b) {
        this.db = b.db;
        this.transactions = b.transactions != null ? b.transactions : Transactions.create(b.db, "unnamed");
        this.pollInterval = b.pollInterval;
        this.batchSize = b.batchSize;
        this.lease = b.lease;
        this.topicPrefix = b.topicPrefix;
        this.relayId = b.relayId;
        this.spans = new EventSpans(b.tracing);
        Properties producerProperties = KafkaClients.producer(b.bootstrapServers, b.producerProperties);
        this.producer = new KafkaProducer<>(producerProperties);
        // a send waits up to max.block.ms for metadata, then its ack up to delivery.timeout.ms
        this.ackTimeout = Duration.ofMillis(millis(producerProperties, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG)
                + millis(producerProperties, ProducerConfig.MAX_BLOCK_MS_CONFIG) + 5_000);
        // renewed three times per lease while acks are awaited: two renewals may be slow or lost before it lapses
        this.renewEvery = lease.dividedBy(3);
        if (lease.compareTo(Duration.ofSeconds(1)) < 0) {
            LOG.log(Level.WARNING, "outbox.lease (" + lease + ") is shorter than a slow database round trip may take:"
                    + " another replica may take over while this one still publishes");
        }
        this.loop = SupervisedLoop.builder("outbox-relay-" + b.name, this::round)
                .failureBackoff(Duration.ofMillis(200), Duration.ofSeconds(5))
                .stuckAfter(ackTimeout.plus(Duration.ofMinutes(1)))
                .onStop(this::closeClients)
                .build();
    }

    /** A relay with the defaults of {@link #create(DbClient, Config)}. */
    public static Builder builder(DbClient db, String bootstrapServers) {
        return new Builder(db, bootstrapServers);
    }

    /** Reads {@code service.name}, {@code kafka.*} and {@code outbox.*} from the root config (see the class comment). */
    public static OutboxRelay create(DbClient db, Config root) {
        Builder b = builder(db, root.get("kafka.bootstrap-servers").asString().get())
                .name(root.get("service.name").asString().orElse("unnamed"))
                .transactions(Transactions.create(db, root))
                .pollInterval(root.get("outbox.poll-interval").as(Duration.class).orElse(Duration.ofMillis(100)))
                .batchSize(root.get("outbox.batch-size").asInt().orElse(200))
                .lease(root.get("outbox.lease").as(Duration.class).orElse(DEFAULT_LEASE))
                .topicPrefix(root.get("kafka.topic-prefix").asString().orElse(""))
                .tracing(Tracing.of(root));
        b.relayId(root.get("outbox.relay-id").asString().orElseGet(() -> InstanceName.of(root)));
        KafkaClients.overrides(root, "producer").forEach((k, v) -> b.producerProperties.put(k, v));
        return b.build();
    }

    public OutboxRelay start() {
        RUNNING.add(this);
        OutboxBacklog.register(this);
        loop.start();
        return this;
    }

    /**
     * Stops the loop, hands the lease back and closes the producer. The current round may finish
     * for a few seconds; a round still waiting for Kafka then has its sends cut short (its rows are
     * published again by whoever relays next).
     */
    public void stop() {
        RUNNING.remove(this);
        OutboxBacklog.deregister(this);
        if (!loop.stop(Duration.ofSeconds(5))) {
            producer.close(Duration.ZERO);   // wakes a send blocked on metadata, fails the ones in flight
            loop.stop(Duration.ofSeconds(10));
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Asks for a round now instead of at the next poll (e.g. right after a commit). */
    public void wake() {
        loop.wake();
    }

    /** Wakes every relay of this process: a transaction that appended to the outbox committed. */
    static void wakeAll() {
        RUNNING.forEach(OutboxRelay::wake);
    }

    /** Unsent rows; a growing backlog means Kafka or the relay is down. */
    public long backlog() {
        return db.execute().get(BACKLOG).map(r -> r.column("backlog").getLong()).orElse(0L);
    }

    /** The backlog as last counted by the relay loop (the gauge {@code kedai_outbox_backlog}). */
    long lastBacklog() {
        return lastBacklog;
    }

    /** Whether this relay held the lease at its last round. */
    public boolean leader() {
        return leader;
    }

    private Duration round() {
        countOccasionally();   // also (above all) while Kafka is down and rounds fail
        int sent = relayBatch();
        if (!leader) {
            return STANDBY_POLL;   // another replica publishes
        }
        return sent == batchSize ? Duration.ZERO : pollInterval;   // a full batch means more are waiting
    }

    /** One batch if this relay holds the lease: claim, publish, mark sent; returns how many events it published. */
    int relayBatch() {
        List<DbRow> rows = claim();
        if (rows.isEmpty()) {
            return 0;
        }
        List<Future<RecordMetadata>> acks = new ArrayList<>(rows.size());
        RuntimeException failure = null;
        try {
            for (DbRow row : rows) {
                acks.add(send(row));
            }
        } catch (RuntimeException e) {
            failure = e;   // e.g. no metadata within max.block.ms; the ones sent so far may still be acked
        }
        int acked = 0;
        for (Future<RecordMetadata> ack : acks) {
            if (failure != null) {
                break;
            }
            try {
                awaitAck(ack);
                acked++;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = new IllegalStateException("interrupted while waiting for Kafka acks", e);
            } catch (ExecutionException e) {
                failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } catch (TimeoutException e) {
                failure = new org.apache.kafka.common.errors.TimeoutException("no ack within " + ackTimeout, e);
            }
        }
        if (crashAfterSend) {
            throw new IllegalStateException("test hook: crash after send, before marking sent");
        }
        // only the acked rows before the first failure count as sent: later ones go out again after it, in order
        markSent(rows.subList(0, acked));
        if (failure != null) {
            handBack(rows.subList(acked, rows.size()));
            throw failure;
        }
        return rows.size();
    }

    /** Waits up to the ack timeout for one ack, renewing the lease meanwhile: a slow Kafka does not hand it over. */
    private void awaitAck(Future<RecordMetadata> ack) throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + ackTimeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            try {
                ack.get(Math.min(left, renewEvery.toNanos()), TimeUnit.NANOSECONDS);
                return;
            } catch (TimeoutException e) {
                if (left <= renewEvery.toNanos()) {
                    throw e;
                }
                renewLease();
            }
        }
    }

    private void renewLease() {
        try {
            if (db.execute().dml(RENEW_LEASE, lease.toNanos() / 1_000, relayId) == 0) {
                // lapsed and taken: our rows may be published twice (consumers de-duplicate by ce_id)
                LOG.log(Level.INFO, "relay " + relayId + " lost its lease while waiting for Kafka's acks");
            }
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "renewing the relay lease failed; trying again at the next pause", e);
        }
    }

    private List<DbRow> claim() {
        return transactions.inTransaction(tx -> {
            tx.dml(READ_COMMITTED);
            // the lease row stays locked until the claim commits: a standby taking over a lease that lapsed
            // while the holder was claiming waits for that claim, so it never claims the rows after the
            // holder's and publishes them first (the events of a key would overtake each other)
            leader = tx.dml(TAKE_LEASE, relayId, lease.toNanos() / 1_000, relayId) == 1;
            if (!leader) {
                return List.<DbRow>of();
            }
            List<DbRow> rows = tx.query(UNSENT, relayId, batchSize).toList();
            if (!rows.isEmpty()) {
                tx.dml("UPDATE outbox SET claimed_by = ?, claimed_until = CURRENT_TIMESTAMP(6) + INTERVAL ? MICROSECOND"
                               + " WHERE id IN (" + ids(rows) + ")", relayId, lease.toNanos() / 1_000);
            }
            return rows;
        });
    }

    private void markSent(List<DbRow> rows) {
        if (!rows.isEmpty()) {
            db.execute().dml("UPDATE outbox SET sent_at = CURRENT_TIMESTAMP(6), claimed_by = NULL, claimed_until = NULL"
                                     + " WHERE claimed_by = ? AND id IN (" + ids(rows) + ")", relayId);
        }
    }

    private void handBack(List<DbRow> rows) {
        if (!rows.isEmpty()) {
            try {
                db.execute().dml("UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ? AND id IN ("
                                         + ids(rows) + ")", relayId);
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "handing back unsent outbox rows failed; their claim lapses by itself", e);
            }
        }
    }

    private static String ids(List<DbRow> rows) {
        return rows.stream().map(r -> Long.toString(r.column("id").getLong())).collect(Collectors.joining(","));
    }

    // the gauge reads this cached count: a scrape must not run a COUNT, and every few seconds is enough
    private void countOccasionally() {
        if (System.nanoTime() - lastCount < COUNT_EVERY.toNanos()) {
            return;
        }
        lastCount = System.nanoTime();
        try {
            lastBacklog = backlog();
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "counting the outbox backlog failed", e);
        }
    }

    private void closeClients() {
        if (leader) {
            try {
                db.execute().dml(GIVE_BACK_LEASE, relayId);   // a standby takes over at once
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "handing back the relay lease failed; it lapses by itself", e);
            }
            leader = false;
        }
        producer.close(Duration.ofSeconds(5));
    }

    /** Sends one row, in its send span when it was written inside a trace. */
    private Future<RecordMetadata> send(DbRow row) {
        String topic = topicPrefix + row.column("topic").getString();
        TraceContext stored = new TraceContext(row.column("traceparent").get(String.class),
                                               row.column("tracestate").get(String.class));
        Span span = spans.send(topic, row.column("event_key").getString(), row.column("event_id").getString(),
                               row.column("event_type").getString(), row.column("source").getString(), stored);
        // the record carries the send span's context; without one (tracing off here) the stored one passes on
        TraceContext carried = span.getSpanContext().isValid()
                ? TraceContext.of(io.opentelemetry.context.Context.root().with(span)) : stored;
        try {
            return producer.send(toRecord(row, topic, carried), (metadata, e) -> EventSpans.sent(span, metadata, e));
        } catch (RuntimeException e) {
            EventSpans.sent(span, null, e);
            throw e;
        }
    }

    private static ProducerRecord<String, byte[]> toRecord(DbRow row, String topic, TraceContext trace) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(CloudEvents.SPEC_VERSION, utf8(CloudEvents.VERSION_1_0));
        headers.add(CloudEvents.ID, utf8(row.column("event_id").getString()));
        headers.add(CloudEvents.SOURCE, utf8(row.column("source").getString()));
        headers.add(CloudEvents.TYPE, utf8(row.column("event_type").getString()));
        headers.add(CloudEvents.TIME, utf8(row.column("event_time").getString()));
        headers.add(CloudEvents.CONTENT_TYPE, utf8(CloudEvents.PROTOBUF));
        trace.addTo(headers);
        return new ProducerRecord<>(topic, null,
                row.column("event_key").getString(), row.column("payload").get(byte[].class), headers);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static long millis(Properties p, String key) {
        return Long.parseLong(p.get(key).toString());
    }

    /** See {@link OutboxRelay#create(DbClient, Config)} for what each setting means. */
    public static final class Builder {
        private final DbClient db;
        private final String bootstrapServers;
        private final Map<String, Object> producerProperties = new HashMap<>();
        private Transactions transactions;
        private String name = "unnamed";
        private Duration pollInterval = Duration.ofMillis(100);
        private int batchSize = 200;
        private Duration lease = DEFAULT_LEASE;
        private String topicPrefix = "";
        private String relayId = InstanceName.of(Config.empty());
        private Tracing tracing = Tracing.OFF;

        private Builder(DbClient db, String bootstrapServers) {
            this.db = Objects.requireNonNull(db, "db");
            this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        }

        /** The service's name: names the loop ({@code outbox-relay-<name>}). */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder transactions(Transactions transactions) {
            this.transactions = transactions;
            return this;
        }

        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
            return this;
        }

        public Builder batchSize(int batchSize) {
            this.batchSize = Math.max(1, batchSize);
            return this;
        }

        public Builder lease(Duration lease) {
            this.lease = lease;
            return this;
        }

        /** Put before every topic name ({@code kafka.topic-prefix}): several systems or test runs can share one Kafka. */
        public Builder topicPrefix(String topicPrefix) {
            this.topicPrefix = Objects.requireNonNull(topicPrefix, "topicPrefix");
            return this;
        }

        /** Who holds the lease and claims rows; two replicas must differ (default: the host name). */
        public Builder relayId(String relayId) {
            this.relayId = Objects.requireNonNull(relayId, "relayId");
            return this;
        }

        /** Spans for the publishes of events written inside a trace (default: off). */
        public Builder tracing(Tracing tracing) {
            this.tracing = Objects.requireNonNull(tracing, "tracing");
            return this;
        }

        /** A Kafka producer property over {@link KafkaClients}'s defaults. */
        public Builder producerProperty(String name, Object value) {
            producerProperties.put(name, value);
            return this;
        }

        public OutboxRelay build() {
            return new OutboxRelay(this);
        }
    }
}

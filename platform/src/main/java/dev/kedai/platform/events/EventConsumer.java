package dev.kedai.platform.events;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.kedai.contracts.Topics;
import dev.kedai.platform.db.Transactions;
import dev.kedai.platform.observe.OutcomeCounter;

import com.google.protobuf.Message;
import io.helidon.common.config.Config;
import io.helidon.dbclient.DbClient;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Idempotent Kafka consumer: for each record, in ONE DB transaction, records its
 * {@code ce_id} in {@code processed_events} (a duplicate skips the effect) and runs the
 * handler for its {@code ce_type}; the Kafka offset is committed only after that commit.
 *
 * <p>A failing record is retried {@code maxAttempts} times with a growing backoff, then sent
 * to {@code <topic>.dlt} with its original headers plus {@code kedai_error} and
 * {@code kedai_attempts}, and consumption goes on. Every finished record of a handled type counts in
 * {@code kedai_events_consumed_total{group,type,outcome}} ({@code applied}, {@code duplicate},
 * {@code dead_lettered}); its lag is the gauge {@code kedai_consumer_records_lag_max{group}}
 * ({@link ConsumerLag}). A payload that does not parse
 * ({@link PoisonEventException}) is dead-lettered at once. A type without a handler is
 * skipped (a newer producer may publish types this consumer does not know yet).
 *
 * <pre>{@code
 * EventConsumer consumer = EventConsumer.builder(db, bootstrap, "kedai-stock")
 *         .topics(Topics.PRODUCT)
 *         .handler(ProductCreated.getDefaultInstance(), (tx, event) -> ...event.parse(ProductCreated.parser())...)
 *         .build()
 *         .start();
 * }</pre>
 */
public final class EventConsumer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(EventConsumer.class.getName());
    private static final String MARK_PROCESSED =
            "INSERT IGNORE INTO processed_events (consumer_group, event_id) VALUES (?, ?)";
    private static final String PURGE = "DELETE FROM processed_events WHERE consumer_group = ?"
            + " AND processed_at < CURRENT_TIMESTAMP(6) - INTERVAL ? SECOND LIMIT 5000";

    private final DbClient db;
    private final Transactions transactions;
    private final String groupId;
    private final List<String> topics;
    private final Map<String, EventHandler> handlers;
    private final Map<String, OutcomeCounter> consumed = new HashMap<>();
    private final int maxAttempts;
    private final Duration backoff;
    private final Duration processedRetention;
    private final Duration purgeInterval;
    private long lastPurge = System.nanoTime();
    private final KafkaConsumer<String, byte[]> consumer;
    private final ConsumerLag lag;
    private final KafkaProducer<String, byte[]> deadLetters;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running;
    private Thread thread;

    private EventConsumer(Builder b) {
        this.db = b.db;
        this.transactions = b.transactions != null ? b.transactions : Transactions.create(b.db, "unnamed");
        this.groupId = b.groupId;
        this.topics = b.topics.stream().map(topic -> b.topicPrefix + topic).toList();
        this.handlers = Map.copyOf(b.handlers);
        for (String type : handlers.keySet()) {
            consumed.put(type, OutcomeCounter.create(Metrics.globalRegistry(), "kedai.events.consumed",
                    "Events finished by a consumer group, by outcome",
                    List.of(Tag.create("group", groupId), Tag.create("type", type)),
                    "outcome", "applied", "duplicate", "dead_lettered"));
        }
        this.maxAttempts = b.maxAttempts;
        this.backoff = b.backoff;
        this.processedRetention = b.processedRetention;
        this.purgeInterval = b.purgeInterval;
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, b.maxPollRecords);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        this.consumer = new KafkaConsumer<>(c);
        this.lag = ConsumerLag.watch(consumer, groupId);
        this.deadLetters = new KafkaProducer<>(OutboxRelay.producerProperties(b.bootstrapServers));
    }

    /**
     * @param db               the service's database (must hold {@code processed_events})
     * @param bootstrapServers {@code kafka.bootstrap-servers}
     * @param groupId          the consumer group, usually the service name
     */
    public static Builder builder(DbClient db, String bootstrapServers, String groupId) {
        return new Builder(db, bootstrapServers, groupId);
    }

    /** The service's consumer, in the group {@link #group(Config, String) group(root, "")}; see {@link #builder(DbClient, Config, String)}. */
    public static Builder builder(DbClient db, Config root) {
        return builder(db, root, "");
    }

    /**
     * Builder from the root config, in the group {@link #group(Config, String) group(root, purpose)}:
     * {@code kafka.bootstrap-servers}, {@code kafka.topic-prefix}, {@code events.max-attempts}
     * (default 5), {@code events.retry-backoff} (default PT0.2S), {@code events.processed-retention}
     * (default P7D), {@code events.purge-interval} (how often ids past the retention are deleted,
     * default PT10M), and the transaction policy of {@code db.transaction.*}.
     *
     * @param purpose names a second consumer of the same service (e.g. "cache"); empty for its main one
     */
    public static Builder builder(DbClient db, Config root, String purpose) {
        return builder(db, root.get("kafka.bootstrap-servers").asString().get(), group(root, purpose))
                .transactions(Transactions.create(db, root))
                .topicPrefix(root.get("kafka.topic-prefix").asString().orElse(""))
                .maxAttempts(root.get("events.max-attempts").asInt().orElse(5))
                .backoff(root.get("events.retry-backoff").as(Duration.class).orElse(Duration.ofMillis(200)))
                .processedRetention(root.get("events.processed-retention").as(Duration.class)
                                            .orElse(Duration.ofDays(7)))
                .purgeInterval(root.get("events.purge-interval").as(Duration.class).orElse(Duration.ofMinutes(10)));
    }

    /**
     * The one naming scheme of consumer groups: {@code events.group} (default
     * {@code kedai-<service.name>}, e.g. {@code kedai-stock}), then {@code -<purpose>} for a second
     * consumer of the service ({@code kedai-product-cache}). One group per deployment: its replicas
     * share the partitions, and {@code processed_events} remembers ids per group.
     */
    public static String group(Config root, String purpose) {
        String base = root.get("events.group").asString()
                .orElseGet(() -> "kedai-" + root.get("service.name").asString()
                        .orElseThrow(() -> new IllegalStateException("set service.name or events.group")));
        return purpose.isEmpty() ? base : base + "-" + purpose;
    }

    public synchronized EventConsumer start() {
        if (thread == null) {
            running = true;
            thread = Thread.ofPlatform().name("event-consumer-" + groupId).daemon().start(this::loop);
        }
        return this;
    }

    /** Stops after the current record (its offset is committed only if it completed). */
    public void stop() {
        Thread t;
        synchronized (this) {
            t = thread;
            if (t == null) {
                return;
            }
            running = false;
            stopRequested.countDown();
            consumer.wakeup();
        }
        try {
            if (!stopped.await(30, TimeUnit.SECONDS)) {
                LOG.log(Level.WARNING, "event consumer " + groupId + " did not stop in 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deadLetters.close(Duration.ofSeconds(5));
    }

    @Override
    public void close() {
        stop();
    }

    private void loop() {
        try {
            consumer.subscribe(topics);
            while (running) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(500));
                Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
                try {
                    for (ConsumerRecord<String, byte[]> record : records) {
                        if (!running || !process(record)) {
                            // stopped mid-batch: leave the rest (and this record) uncommitted
                            rewind(records, done);
                            break;
                        }
                        done.put(new TopicPartition(record.topic(), record.partition()),
                                 new OffsetAndMetadata(record.offset() + 1));
                    }
                } catch (RuntimeException e) {
                    // DB or dead-letter topic unreachable: read again from the first unfinished record
                    LOG.log(Level.WARNING, "event consumer " + groupId + " failed, will re-read", e);
                    rewind(records, done);
                    pause(backoff.multipliedBy(5));
                }
                if (!done.isEmpty()) {
                    consumer.commitSync(done);
                }
                purgeOccasionally();
            }
        } catch (WakeupException e) {
            if (running) {
                LOG.log(Level.ERROR, "event consumer " + groupId + " woken up unexpectedly", e);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "event consumer " + groupId + " stopped", e);
        } finally {
            lag.close();
            consumer.close(Duration.ofSeconds(5));
            stopped.countDown();
        }
    }

    // ids older than any redelivery we can get (the relay re-sends within seconds) are only history
    private void purgeOccasionally() {
        if (System.nanoTime() - lastPurge < purgeInterval.toNanos()) {
            return;
        }
        lastPurge = System.nanoTime();
        try {
            db.execute().delete(PURGE, groupId, processedRetention.toSeconds());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "purging processed_events failed", e);
        }
    }

    // seek every partition of the batch back to its first record that is not done
    private void rewind(ConsumerRecords<String, byte[]> records, Map<TopicPartition, OffsetAndMetadata> done) {
        for (TopicPartition tp : records.partitions()) {
            OffsetAndMetadata d = done.get(tp);
            long next = d != null ? d.offset() : records.records(tp).getFirst().offset();
            consumer.seek(tp, next);
        }
    }

    /** @return true when the record is finished (applied, duplicate, skipped or dead-lettered) */
    private boolean process(ConsumerRecord<String, byte[]> record) {
        ConsumedEvent event = toEvent(record);
        EventHandler handler = event.type() == null ? null : handlers.get(event.type());
        if (handler == null) {
            LOG.log(Level.INFO, () -> "no handler for " + event.type() + " (" + record.topic() + "@"
                    + record.offset() + "), skipped");
            return true;
        }
        OutcomeCounter outcomes = consumed.get(event.type());
        if (event.id() == null) {
            deadLetter(record, new IllegalArgumentException("record has no ce_id header"), 1);
            outcomes.increment("dead_lettered");
            return true;
        }
        for (int attempt = 1; ; attempt++) {
            try {
                outcomes.increment(apply(event, handler) ? "applied" : "duplicate");
                return true;
            } catch (PoisonEventException e) {
                deadLetter(record, e, attempt);
                outcomes.increment("dead_lettered");
                return true;
            } catch (Exception e) {
                if (attempt >= maxAttempts) {
                    deadLetter(record, e, attempt);
                    outcomes.increment("dead_lettered");
                    return true;
                }
                LOG.log(Level.DEBUG, () -> "attempt of " + event.id() + " failed: " + e);
                if (!pause(backoff.multipliedBy(attempt))) {
                    return false;
                }
            }
        }
    }

    /** @return false for a duplicate (already processed, nothing done) */
    private boolean apply(ConsumedEvent event, EventHandler handler) throws Exception {
        return transactions.inTransaction(tx -> {
            // a concurrent duplicate blocks on this row until the first commits, then sees it
            boolean first = tx.insert(MARK_PROCESSED, groupId, event.id()) == 1;
            if (first) {
                handler.handle(tx, event);
            }
            return first;
        });
    }

    private void deadLetter(ConsumerRecord<String, byte[]> record, Exception error, int attempts) {
        Headers headers = new RecordHeaders(record.headers().toArray());
        headers.remove(CloudEvents.ERROR);
        headers.remove(CloudEvents.ATTEMPTS);
        headers.add(CloudEvents.ERROR, utf8(error.getClass().getName() + ": " + error.getMessage()));
        headers.add(CloudEvents.ATTEMPTS, utf8(Integer.toString(attempts)));
        LOG.log(Level.WARNING, "dead-lettering " + record.topic() + "@" + record.partition() + ":" + record.offset()
                + " after " + attempts + " attempt(s)", error);
        try {
            deadLetters.send(new ProducerRecord<>(Topics.deadLetter(record.topic()), null, record.key(),
                                                  record.value(), headers)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while dead-lettering", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("dead-letter topic refused the record", e.getCause());
        }
    }

    /** @return false if the consumer was stopped meanwhile */
    private boolean pause(Duration d) {
        try {
            return !stopRequested.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static ConsumedEvent toEvent(ConsumerRecord<String, byte[]> r) {
        return new ConsumedEvent(header(r, CloudEvents.ID), header(r, CloudEvents.TYPE), header(r, CloudEvents.SOURCE),
                                 time(header(r, CloudEvents.TIME)), r.key(), r.value(), r.topic(), r.partition(),
                                 r.offset());
    }

    private static Instant time(String s) {
        if (s == null) {
            return null;
        }
        try {
            return java.time.OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static final class Builder {
        private final DbClient db;
        private final String bootstrapServers;
        private final String groupId;
        private Transactions transactions;
        private final List<String> topics = new ArrayList<>();
        private String topicPrefix = "";
        private final Map<String, EventHandler> handlers = new LinkedHashMap<>();
        private int maxAttempts = 5;
        private Duration backoff = Duration.ofMillis(200);
        private int maxPollRecords = 100;
        private Duration processedRetention = Duration.ofDays(7);
        private Duration purgeInterval = Duration.ofMinutes(10);

        private Builder(DbClient db, String bootstrapServers, String groupId) {
            this.db = Objects.requireNonNull(db, "db");
            this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            this.groupId = Objects.requireNonNull(groupId, "groupId");
        }

        /** How the consumer's transactions run (default: the platform's policy, metric label "unnamed"). */
        public Builder transactions(Transactions transactions) {
            this.transactions = Objects.requireNonNull(transactions, "transactions");
            return this;
        }

        /** Put before every topic name, as the producing relays do (see {@code OutboxRelay}). */
        public Builder topicPrefix(String prefix) {
            this.topicPrefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        public Builder topics(String... topics) {
            this.topics.addAll(List.of(topics));
            return this;
        }

        /** Handles events whose {@code ce_type} is {@code type} (a protobuf full name). */
        public Builder handler(String type, EventHandler handler) {
            handlers.put(type, handler);
            return this;
        }

        /** Handles events of this message type, e.g. {@code handler(ProductCreated.getDefaultInstance(), ...)}. */
        public Builder handler(Message prototype, EventHandler handler) {
            return handler(prototype.getDescriptorForType().getFullName(), handler);
        }

        /** Tries per record before dead-lettering it (at least 1). */
        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = Math.max(1, maxAttempts);
            return this;
        }

        /** Pause after the first failure; the n-th failure waits n times this. */
        public Builder backoff(Duration backoff) {
            this.backoff = backoff;
            return this;
        }

        /** How long consumed ids are remembered for de-duplication (longer than any redelivery). */
        public Builder processedRetention(Duration processedRetention) {
            this.processedRetention = processedRetention;
            return this;
        }

        /** How often ids past {@link #processedRetention} are deleted. */
        public Builder purgeInterval(Duration purgeInterval) {
            this.purgeInterval = purgeInterval;
            return this;
        }

        public Builder maxPollRecords(int maxPollRecords) {
            this.maxPollRecords = maxPollRecords;
            return this;
        }

        public EventConsumer build() {
            if (topics.isEmpty()) {
                throw new IllegalStateException("no topics for consumer group " + groupId);
            }
            return new EventConsumer(this);
        }
    }
}

package dev.kedai.platform.events;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import dev.kedai.contracts.Topics;
import dev.kedai.platform.db.Transactions;
import dev.kedai.platform.db.TransientFailures;
import dev.kedai.platform.health.SupervisedLoop;
import dev.kedai.platform.observe.OutcomeCounter;
import dev.kedai.platform.observe.Tracing;
import dev.kedai.platform.server.InstanceName;

import com.google.protobuf.Message;
import io.helidon.common.config.Config;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbTransaction;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;

import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Idempotent, batched Kafka consumer. The records of a poll are applied partition by partition,
 * in offset order, up to {@code events.batch-size} per DB transaction; in that transaction each
 * event's {@code ce_id} is recorded in {@code processed_events} (an id already there is a
 * duplicate: its effect is skipped) and its handler runs. Offsets are committed only after the
 * transaction commits.
 *
 * <p>Failures are classified ({@link TransientFailures}):
 * <ul>
 * <li><b>transient</b> (database unreachable, lock conflict, pool exhausted, statement timeout,
 *     Kafka or Redis away): the partition is paused and sought back to its first unfinished record,
 *     its offset is not committed, and it is tried again after a capped exponential backoff
 *     ({@code events.retry-backoff} doubling up to {@code events.retry-max-backoff}) for as long as
 *     the failure lasts. Nothing is dead-lettered for it; the other partitions go on.</li>
 * <li><b>deterministic</b> (anything else a handler throws): the failing event's attempts are
 *     counted in {@code event_failures} (so the count survives a restart); the events before it in
 *     its batch are applied without it. After {@code events.max-attempts} attempts (at once for a
 *     {@link PoisonEventException}, e.g. a payload that does not parse, and for a record without
 *     {@code ce_id}) it goes to {@code <topic>.dlt} with its original headers plus
 *     {@code kedai_error} and {@code kedai_attempts}, and the partition goes on. An operator lists
 *     and replays dead letters with {@link DeadLetters}.</li>
 * </ul>
 * A type without a handler is skipped (a newer producer may publish types this consumer does not
 * know yet). With tracing on, each handler runs in a {@code process <topic>} span, a child of the
 * relay's send span named by the record's {@code traceparent} ({@link EventSpans}).
 *
 * <p>The loop ({@link SupervisedLoop}, named {@code event-consumer-<group>}) cannot die: a commit
 * that fails is tried again at the next round (after a rebalance the next owner re-reads, and
 * {@code processed_events} absorbs the repeat); any other failure of the Kafka client closes it
 * and a new one rejoins the group after a pause. Metrics: {@code kedai_events_consumed_total{group,type,outcome}}
 * ({@code applied}, {@code duplicate}, {@code dead_lettered}), {@code kedai_events_retries_total{group,reason}},
 * {@code kedai_consumer_records_lag_max{group}} ({@link ConsumerLag}), and the loop's own.
 *
 * <pre>{@code
 * EventConsumer consumer = EventConsumer.builder(db, config)      // group kedai-<service.name>
 *         .topics(Topics.PRODUCT)
 *         .handler(ProductCreated.getDefaultInstance(), (tx, event) -> ...event.parse(ProductCreated.parser())...)
 *         .build()
 *         .start();
 * }</pre>
 *
 * A handler must be safe to run again: its database effects are rolled back with its batch when a
 * later event of the batch fails, and run again without it.
 */
public final class EventConsumer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(EventConsumer.class.getName());
    private static final String MARK_FAILED = """
            INSERT INTO event_failures (consumer_group, event_id, attempts, last_error) VALUES (?, ?, 1, ?)
            ON DUPLICATE KEY UPDATE attempts = attempts + 1, last_error = VALUES(last_error)""";
    private static final String FAILED_ATTEMPTS =
            "SELECT attempts FROM event_failures WHERE consumer_group = ? AND event_id = ?";
    private static final String FORGET_FAILURE = "DELETE FROM event_failures WHERE consumer_group = ? AND event_id = ?";
    private static final Duration POLL = Duration.ofMillis(500);
    private static final String[] RETRY_REASONS = {"deadlock", "lock_wait_timeout", "connection", "timeout", "kafka",
                                                   "redis", "race", "error"};

    private final DbClient db;
    private final Transactions transactions;
    private final String groupId;
    private final List<String> topics;
    private final Map<String, EventHandler> handlers;
    private final Map<String, OutcomeCounter> consumed = new HashMap<>();
    private final OutcomeCounter retries;
    private final int maxAttempts;
    private final int batchSize;
    private final Duration backoff;
    private final Duration maxBackoff;
    private final Map<String, Object> consumerProperties;
    private final String bootstrapServers;
    private final KafkaProducer<String, byte[]> deadLetters;
    private final SupervisedLoop loop;
    private final EventSpans spans;

    // touched by the loop's thread only (the Kafka consumer is not thread-safe)
    private KafkaConsumer<String, byte[]> consumer;
    private ConsumerLag lag;
    private boolean broken;
    private final Map<TopicPartition, Retry> retrying = new HashMap<>();
    private final Map<TopicPartition, OffsetAndMetadata> uncommitted = new HashMap<>();
    private final Set<String> failing = new HashSet<>();
    private boolean commitFailing;

    /** A partition waiting to try again from {@code offset}. */
    private static final class Retry {
        int attempt;
        long dueNanos;
        boolean paused;
    }

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
        this.retries = OutcomeCounter.create(Metrics.globalRegistry(), "kedai.events.retries",
                "Batches of a consumer group to be tried again after a failure, by reason",
                List.of(Tag.create("group", groupId)), "reason", RETRY_REASONS);
        this.maxAttempts = b.maxAttempts;
        this.batchSize = b.batchSize;
        this.backoff = b.backoff;
        this.maxBackoff = b.maxBackoff;
        this.bootstrapServers = b.bootstrapServers;
        Map<String, Object> props = new HashMap<>(b.consumerProperties);
        props.putIfAbsent("max.poll.records", b.maxPollRecords);
        this.consumerProperties = Map.copyOf(props);
        this.deadLetters = new KafkaProducer<>(KafkaClients.producer(b.bootstrapServers, b.producerProperties));
        this.spans = new EventSpans(b.tracing);
        this.loop = SupervisedLoop.builder("event-consumer-" + groupId, this::round)
                .failureBackoff(backoff, maxBackoff)
                .onStop(this::closeClients)
                .build();
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
     * {@code kafka.bootstrap-servers}, {@code kafka.topic-prefix}, {@code kafka.consumer.*} and
     * {@code kafka.producer.*} ({@link KafkaClients}), {@code events.batch-size} (default 100),
     * {@code events.max-attempts} (default 5), {@code events.retry-backoff} (default PT0.2S),
     * {@code events.retry-max-backoff} (default PT30S), and the transaction policy of {@code db.transaction.*};
     * the member is {@link Builder#instance named} after {@link InstanceName#stable the instance}, when it has a stable name.
     *
     * @param purpose names a second consumer of the same service (e.g. "cache"); empty for its main one
     */
    public static Builder builder(DbClient db, Config root, String purpose) {
        Builder b = builder(db, root.get("kafka.bootstrap-servers").asString().get(), group(root, purpose))
                .transactions(Transactions.create(db, root))
                .tracing(Tracing.of(root))
                .topicPrefix(root.get("kafka.topic-prefix").asString().orElse(""))
                .batchSize(root.get("events.batch-size").asInt().orElse(100))
                .maxAttempts(root.get("events.max-attempts").asInt().orElse(5))
                .backoff(root.get("events.retry-backoff").as(Duration.class).orElse(Duration.ofMillis(200)),
                         root.get("events.retry-max-backoff").as(Duration.class).orElse(Duration.ofSeconds(30)));
        // the topic prefix keeps stacks that share one broker (the system tests) from fencing each other
        InstanceName.stable(root).ifPresent(name -> b.instance(b.topicPrefix + name));
        KafkaClients.overrides(root, "consumer").forEach(b::consumerProperty);
        KafkaClients.overrides(root, "producer").forEach((k, v) -> b.producerProperties.put(k, v));
        return b;
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

    public EventConsumer start() {
        loop.start();
        return this;
    }

    /**
     * Stops after the current batch (its offset is committed only if it completed) and commits
     * what is finished; waits at most 30 s.
     */
    public void stop() {
        loop.stop(Duration.ofSeconds(30));
        deadLetters.close(Duration.ofSeconds(5));
    }

    @Override
    public void close() {
        stop();
    }

    // ---- the loop's thread only

    /** One round: (re)join if needed, resume partitions whose pause is over, poll, apply, commit. */
    private Duration round() {
        if (broken || consumer == null) {
            reopen();
        }
        try {
            resumeDue();
            ConsumerRecords<String, byte[]> records = consumer.poll(pollTimeout());
            for (TopicPartition tp : records.partitions()) {
                if (!loop.running()) {
                    break;   // stopping: the rest stays uncommitted and is read again by the next owner
                }
                process(tp, records.records(tp));
            }
            commit();
            return Duration.ZERO;   // poll itself waits
        } catch (RuntimeException e) {
            broken = true;   // a new client after the loop's pause: it rejoins and re-reads from the committed offsets
            throw e;
        }
    }

    private void reopen() {
        closeConsumer(GroupMembershipOperation.DEFAULT);   // a named member stays: its new client takes its place
        retrying.clear();
        uncommitted.clear();
        consumer = new KafkaConsumer<>(KafkaClients.consumer(bootstrapServers, groupId, consumerProperties));
        lag = ConsumerLag.watch(consumer, groupId);
        consumer.subscribe(topics, new Rebalance());
        broken = false;
    }

    private Duration pollTimeout() {
        long now = System.nanoTime();
        long wait = POLL.toNanos();
        for (Retry r : retrying.values()) {
            if (r.paused) {
                wait = Math.min(wait, Math.max(r.dueNanos - now, 0));
            }
        }
        return Duration.ofNanos(Math.max(wait, TimeUnit.MILLISECONDS.toNanos(1)));
    }

    private void resumeDue() {
        long now = System.nanoTime();
        List<TopicPartition> due = new ArrayList<>();
        retrying.forEach((tp, r) -> {
            if (r.paused && r.dueNanos - now <= 0) {
                r.paused = false;
                due.add(tp);
            }
        });
        if (!due.isEmpty()) {
            consumer.resume(due);
        }
    }

    /** Applies one partition's records of a poll, in order; stops at a failure that must wait. */
    private void process(TopicPartition tp, List<ConsumerRecord<String, byte[]>> records) {
        int from = 0;
        while (from < records.size() && loop.running() && !paused(tp)) {
            from += applyBatch(tp, records.subList(from, Math.min(from + batchSize, records.size())));
        }
    }

    private boolean paused(TopicPartition tp) {
        Retry r = retrying.get(tp);
        return r != null && r.paused;
    }

    /**
     * Applies {@code batch}, or the part of it before a record that fails deterministically and
     * then deals with that record; returns how many records are finished (the partition is paused
     * when the rest must wait).
     */
    private int applyBatch(TopicPartition tp, List<ConsumerRecord<String, byte[]>> batch) {
        List<ConsumedEvent> events = batch.stream().map(EventConsumer::toEvent).toList();
        if (events.stream().noneMatch(e -> e.type() != null && handlers.containsKey(e.type()))) {
            // nothing here for this group (most of a shared topic): no transaction to open and commit empty
            finished(tp, batch.getLast(), events, Collections.nCopies(events.size(), null));
            return batch.size();
        }
        try {
            List<String> outcomes = transactions.inTransaction(tx -> applyAll(tx, batch, events));
            finished(tp, batch.getLast(), events, outcomes);
            return batch.size();
        } catch (RuntimeException e) {
            if (isTransient(e)) {
                pauseForRetry(tp, batch.getFirst().offset(), e);
                return 0;
            }
            // a failure we cannot pin on one event counts against the first
            int failed = e instanceof HandlerFailure h ? h.index : 0;
            Exception cause = e instanceof HandlerFailure h ? h.cause() : e;
            if (failed > 0) {
                int before = applyBatch(tp, batch.subList(0, failed));   // the events before it, without it
                if (before < failed) {
                    return before;
                }
            }
            return failed + (attemptFailed(tp, batch.get(failed), events.get(failed), cause) ? 1 : 0);
        }
    }

    /** In one transaction: record the ids, run the handlers; returns each event's outcome (null: skipped). */
    private List<String> applyAll(DbTransaction tx, List<ConsumerRecord<String, byte[]>> records,
                                  List<ConsumedEvent> events) {
        List<String> ids = new ArrayList<>();
        for (ConsumedEvent e : events) {
            if (e.id() != null && handlers.containsKey(e.type()) && !ids.contains(e.id())) {
                ids.add(e.id());
            }
        }
        Set<String> seen = ids.isEmpty() ? Set.of() : alreadyProcessed(tx, ids);
        List<String> fresh = ids.stream().filter(id -> !seen.contains(id)).toList();
        if (!fresh.isEmpty()) {
            long inserted = tx.insert("INSERT IGNORE INTO processed_events (consumer_group, event_id) VALUES "
                                              + String.join(", ", Collections.nCopies(fresh.size(), "(?, ?)")),
                                      pairs(fresh));
            if (inserted != fresh.size()) {
                // another member of the group (a rebalance in flight) committed some of them meanwhile
                throw new RaceLost();
            }
        }
        Set<String> done = new HashSet<>(seen);
        List<String> outcomes = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            ConsumedEvent event = events.get(i);
            EventHandler handler = event.type() == null ? null : handlers.get(event.type());
            if (handler == null) {
                outcomes.add(null);
                continue;
            }
            if (event.id() == null) {
                throw new HandlerFailure(i, new PoisonEventException("record has no ce_id header", null));
            }
            if (!done.add(event.id())) {
                outcomes.add("duplicate");
                continue;
            }
            try {
                spans.process(groupId, records.get(i), event, () -> handler.handle(tx, event));
            } catch (Exception ex) {
                throw new HandlerFailure(i, ex);
            }
            outcomes.add("applied");
        }
        List<String> recovered = fresh.stream().filter(failing::contains).toList();
        for (String id : recovered) {
            tx.delete(FORGET_FAILURE, groupId, id);
        }
        return outcomes;
    }

    private Set<String> alreadyProcessed(DbTransaction tx, List<String> ids) {
        Object[] params = new Object[ids.size() + 1];
        params[0] = groupId;
        for (int i = 0; i < ids.size(); i++) {
            params[i + 1] = ids.get(i);
        }
        Set<String> seen = new HashSet<>();
        tx.query("SELECT event_id FROM processed_events WHERE consumer_group = ? AND event_id IN ("
                         + String.join(", ", Collections.nCopies(ids.size(), "?")) + ")", params)
                .forEach(row -> seen.add(row.column("event_id").getString()));
        return seen;
    }

    private Object[] pairs(List<String> ids) {
        Object[] params = new Object[ids.size() * 2];
        for (int i = 0; i < ids.size(); i++) {
            params[2 * i] = groupId;
            params[2 * i + 1] = ids.get(i);
        }
        return params;
    }

    private void finished(TopicPartition tp, ConsumerRecord<String, byte[]> last, List<ConsumedEvent> events,
                          List<String> outcomes) {
        for (int i = 0; i < events.size(); i++) {
            String outcome = outcomes.get(i);
            if (outcome != null) {
                consumed.get(events.get(i).type()).increment(outcome);
                failing.remove(events.get(i).id());
            } else {
                ConsumedEvent e = events.get(i);
                LOG.log(Level.DEBUG, () -> "no handler for " + e.type() + " (" + e.topic() + "@" + e.offset() + "), skipped");
            }
        }
        done(tp, last.offset() + 1);
    }

    private void done(TopicPartition tp, long nextOffset) {
        uncommitted.put(tp, new OffsetAndMetadata(nextOffset));
        Retry r = retrying.remove(tp);
        if (r != null && r.attempt > 1) {
            LOG.log(Level.INFO, "event consumer " + groupId + ": " + tp + " goes on after " + r.attempt + " tries");
        }
    }

    /**
     * A deterministic failure of one event: count it; dead-letter it once it has had its attempts
     * (or at once when it can never apply). Returns true when the record is finished.
     */
    private boolean attemptFailed(TopicPartition tp, ConsumerRecord<String, byte[]> record, ConsumedEvent event,
                                  Exception cause) {
        boolean poison = cause instanceof PoisonEventException;
        try {
            int attempts = event.id() == null ? 1 : countAttempt(event.id(), cause);
            if (!poison && attempts < maxAttempts) {
                failing.add(event.id());
                LOG.log(Level.WARNING, "event " + event.id() + " (" + event.type() + ", " + tp + "@" + record.offset()
                        + ") failed, attempt " + attempts + " of " + maxAttempts + ": " + cause);
                pauseForRetry(tp, record.offset(), cause);
                return false;
            }
            deadLetter(record, cause, attempts);
            if (event.id() != null) {
                db.execute().delete(FORGET_FAILURE, groupId, event.id());
                failing.remove(event.id());
            }
            consumed.get(event.type()).increment("dead_lettered");
            done(tp, record.offset() + 1);
            return true;
        } catch (RuntimeException e) {
            // counting or dead-lettering needs the database and Kafka: if they are away, wait for them
            pauseForRetry(tp, record.offset(), e);
            return false;
        }
    }

    private int countAttempt(String eventId, Exception cause) {
        String error = cause.getClass().getName() + ": " + cause.getMessage();
        return transactions.inTransaction(tx -> {
            tx.insert(MARK_FAILED, groupId, eventId, error.length() > 1000 ? error.substring(0, 1000) : error);
            return tx.get(FAILED_ATTEMPTS, groupId, eventId).orElseThrow().column("attempts").getInt();
        });
    }

    private void pauseForRetry(TopicPartition tp, long offset, Exception cause) {
        Retry r = retrying.computeIfAbsent(tp, k -> new Retry());
        r.attempt++;
        r.dueNanos = System.nanoTime() + SupervisedLoop.backoff(backoff, maxBackoff, r.attempt).toNanos();
        r.paused = true;
        consumer.seek(tp, offset);
        consumer.pause(List.of(tp));
        String reason = cause instanceof RaceLost ? "race"
                : TransientFailures.kind(cause).map(TransientFailures.Kind::label).orElse("error");
        retries.increment(reason);
        if (r.attempt == 1) {
            LOG.log(Level.WARNING, "event consumer " + groupId + ": " + tp + "@" + offset + " paused, will retry ("
                    + reason + "): " + cause);
        } else {
            LOG.log(Level.DEBUG, () -> "event consumer " + groupId + ": " + tp + "@" + offset + " retry " + r.attempt
                    + " failed (" + reason + "): " + cause);
        }
    }

    private static boolean isTransient(Throwable e) {
        return e instanceof RaceLost || TransientFailures.isTransient(e);
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
        } catch (ExecutionException e) {
            throw e.getCause() instanceof KafkaException k ? k
                    : new IllegalStateException("dead-letter topic refused the record", e.getCause());
        }
    }

    /** Commits what is finished; a failure keeps it for the next round (or drops it after a rebalance). */
    private void commit() {
        if (uncommitted.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(uncommitted);
            uncommitted.clear();
            if (commitFailing) {
                commitFailing = false;
                LOG.log(Level.INFO, "event consumer " + groupId + ": offsets committed again");
            }
        } catch (CommitFailedException | RebalanceInProgressException e) {
            // the group moved on without us (poll interval exceeded, or a rebalance): whoever owns
            // these partitions now reads them again from the last commit; processed_events skips the repeats
            uncommitted.clear();
            LOG.log(Level.WARNING, "event consumer " + groupId + ": commit refused, the group rebalanced (" + e
                    + "); the records are read again and de-duplicated");
        } catch (RetriableException e) {
            if (!commitFailing) {
                commitFailing = true;
                LOG.log(Level.WARNING, "event consumer " + groupId + ": commit failed, will try again: " + e);
            }
        }
    }

    private void closeClients() {
        if (consumer != null) {
            try {
                commit();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "event consumer " + groupId + ": last commit failed", e);
            }
        }
        closeConsumer(GroupMembershipOperation.LEAVE_GROUP);   // a named member too: the others take over now
    }

    private void closeConsumer(GroupMembershipOperation membership) {
        if (lag != null) {
            lag.close();
            lag = null;
        }
        if (consumer != null) {
            try {
                consumer.close(CloseOptions.groupMembershipOperation(membership).withTimeout(Duration.ofSeconds(5)));
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "closing the Kafka consumer of " + groupId + " failed", e);
            }
            consumer = null;
        }
    }

    /** Commits what is finished of partitions being taken away, and forgets their pauses. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            Map<TopicPartition, OffsetAndMetadata> mine = new HashMap<>();
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata o = uncommitted.remove(tp);
                if (o != null) {
                    mine.put(tp, o);
                }
                retrying.remove(tp);
            }
            if (!mine.isEmpty()) {
                try {
                    consumer.commitSync(mine);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "event consumer " + groupId + ": commit on revocation failed (" + e
                            + "); the records are read again and de-duplicated");
                }
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            // nothing: an assigned partition starts at its committed offset, unpaused
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
                uncommitted.remove(tp);
                retrying.remove(tp);
            }
        }
    }

    /** A handler (or a record without ce_id) failed at {@code index} of its batch. */
    private static final class HandlerFailure extends RuntimeException {
        final int index;

        HandlerFailure(int index, Exception cause) {
            super(cause);
            this.index = index;
        }

        Exception cause() {
            return (Exception) getCause();
        }
    }

    /** Another member of the group recorded an id of this batch between our read and our insert. */
    private static final class RaceLost extends RuntimeException {
        RaceLost() {
            super("another consumer of the group processed an event of this batch meanwhile", null, false, false);
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
        private final Map<String, Object> consumerProperties = new HashMap<>();
        private final Map<String, Object> producerProperties = new HashMap<>();
        private int maxAttempts = 5;
        private int batchSize = 100;
        private Duration backoff = Duration.ofMillis(200);
        private Duration maxBackoff = Duration.ofSeconds(30);
        private int maxPollRecords = 500;
        private Tracing tracing = Tracing.OFF;

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

        /** A {@code process <topic>} span per event applied, continuing the producer's trace (default: off). */
        public Builder tracing(Tracing tracing) {
            this.tracing = Objects.requireNonNull(tracing, "tracing");
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

        /** Attempts of an event that fails deterministically before it is dead-lettered (at least 1). */
        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = Math.max(1, maxAttempts);
            return this;
        }

        /** Events applied in one transaction (at least 1). */
        public Builder batchSize(int batchSize) {
            this.batchSize = Math.max(1, batchSize);
            return this;
        }

        /** Pause before the first retry; each further retry in a row waits twice as long, at most 30 s. */
        public Builder backoff(Duration backoff) {
            return backoff(backoff, Duration.ofSeconds(30));
        }

        /** Pause before the first retry, doubling up to {@code max} for each further retry in a row. */
        public Builder backoff(Duration backoff, Duration max) {
            this.backoff = backoff;
            this.maxBackoff = max.compareTo(backoff) < 0 ? backoff : max;
            return this;
        }

        public Builder maxPollRecords(int maxPollRecords) {
            this.maxPollRecords = maxPollRecords;
            return this;
        }

        /**
         * The member's name that survives a restart ({@code group.instance.id}, Kafka's static
         * membership): the instance restarted after a kill -9 takes its partitions back as it joins,
         * where a new member waits until the dead one's session ({@code session.timeout.ms}) has
         * lapsed, its events stalled meanwhile. Two live members of a group must never share it
         * (the later fences the earlier). A stop leaves the group all the same, so a graceful
         * restart hands the partitions over at once too.
         */
        public Builder instance(String name) {
            return consumerProperty(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, name);
        }

        /** A Kafka consumer property over {@link KafkaClients}'s defaults (e.g. {@code max.poll.interval.ms}). */
        public Builder consumerProperty(String name, Object value) {
            consumerProperties.put(name, value);
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

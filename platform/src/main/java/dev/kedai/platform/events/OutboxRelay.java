package dev.kedai.platform.events;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import dev.kedai.platform.db.Transactions;
import io.helidon.common.config.Config;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbRow;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes outbox rows to Kafka in id order and marks them sent.
 *
 * <p>One batch = one DB transaction: take the relay lock row (only one replica relays at a
 * time, so two replicas never publish events of one key out of order; the others find it
 * locked and skip the round), read unsent rows with {@code FOR UPDATE SKIP LOCKED} (rows
 * of transactions still in flight are skipped instead of waited for), send them with an
 * idempotent producer, wait for every ack, mark them sent, commit. If the process dies
 * between the acks and the commit, the rows are sent again: delivery is at least once, and
 * consumers de-duplicate by {@code ce_id} ({@link EventConsumer}).
 *
 * <p>Config (root): {@code kafka.bootstrap-servers}, {@code outbox.poll-interval}
 * (ISO-8601 duration, default PT0.1S), {@code outbox.batch-size} (default 200),
 * {@code outbox.retention} (how long sent rows are kept for inspection, default PT24H),
 * {@code outbox.purge-interval} (how often sent rows past the retention are deleted, default PT1M).
 */
public final class OutboxRelay implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(OutboxRelay.class.getName());

    private static final String LOCK = "SELECT id FROM outbox_relay_lock WHERE id = 1 FOR UPDATE SKIP LOCKED";
    private static final String UNSENT = """
            SELECT id, event_id, topic, event_key, event_type, source, event_time, payload
            FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED""";
    private static final String BACKLOG = "SELECT COUNT(*) AS backlog FROM outbox WHERE sent_at IS NULL";
    private static final String PURGE =
            "DELETE FROM outbox WHERE sent_at < CURRENT_TIMESTAMP(6) - INTERVAL ? SECOND LIMIT 1000";
    private static final Duration COUNT_EVERY = Duration.ofSeconds(5);

    private final DbClient db;
    private final Transactions transactions;
    private final Producer<String, byte[]> producer;
    private final Duration pollInterval;
    private final int batchSize;
    private final Duration retention;
    private final Duration purgeInterval;
    private final String topicPrefix;
    private long lastPurge = System.nanoTime();
    private long lastCount = System.nanoTime() - COUNT_EVERY.toNanos();
    private volatile long lastBacklog;
    private final Semaphore wakeUp = new Semaphore(0);
    private volatile boolean running;
    private Thread thread;

    /** Test hook: throw after the acks, before marking sent (a crash at the worst moment). */
    volatile boolean crashAfterSend;
    /** Test hook: runs after a batch was claimed (relay lock and rows held), before it is sent. */
    volatile Runnable afterClaim = () -> { };

    public OutboxRelay(DbClient db, String bootstrapServers, Duration pollInterval, int batchSize) {
        this(db, bootstrapServers, pollInterval, batchSize, Duration.ofHours(24));
    }

    public OutboxRelay(DbClient db, String bootstrapServers, Duration pollInterval, int batchSize,
                       Duration retention) {
        this(db, bootstrapServers, pollInterval, batchSize, retention, "");
    }

    /**
     * @param topicPrefix put before every topic name ({@code kafka.topic-prefix}); lets several
     *                    systems, or test runs, share one Kafka cluster without seeing each other's events
     */
    public OutboxRelay(DbClient db, String bootstrapServers, Duration pollInterval, int batchSize,
                       Duration retention, String topicPrefix) {
        this(Transactions.create(db, "unnamed"), db, bootstrapServers, pollInterval, batchSize, retention, topicPrefix,
             Duration.ofMinutes(1));
    }

    private OutboxRelay(Transactions transactions, DbClient db, String bootstrapServers, Duration pollInterval,
                        int batchSize, Duration retention, String topicPrefix, Duration purgeInterval) {
        this.topicPrefix = topicPrefix;
        this.transactions = transactions;
        this.purgeInterval = purgeInterval;
        this.db = db;
        this.retention = retention;
        this.pollInterval = pollInterval;
        this.batchSize = batchSize;
        this.producer = new KafkaProducer<>(producerProperties(bootstrapServers));
    }

    /** Reads {@code kafka.bootstrap-servers}, {@code kafka.topic-prefix} and {@code outbox.*} from the root config. */
    public static OutboxRelay create(DbClient db, Config root) {
        return new OutboxRelay(Transactions.create(db, root), db,
                root.get("kafka.bootstrap-servers").asString().get(),
                root.get("outbox.poll-interval").as(Duration.class).orElse(Duration.ofMillis(100)),
                root.get("outbox.batch-size").asInt().orElse(200),
                root.get("outbox.retention").as(Duration.class).orElse(Duration.ofHours(24)),
                root.get("kafka.topic-prefix").asString().orElse(""),
                root.get("outbox.purge-interval").as(Duration.class).orElse(Duration.ofMinutes(1)));
    }

    static Properties producerProperties(String bootstrapServers) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    public synchronized OutboxRelay start() {
        if (thread == null) {
            running = true;
            thread = Thread.ofPlatform().name("outbox-relay").daemon().start(this::loop);
            OutboxBacklog.register(this);
        }
        return this;
    }

    /** Stops the loop (the current batch finishes first) and closes the producer. */
    public synchronized void stop() {
        OutboxBacklog.deregister(this);
        running = false;
        wakeUp.release();
        if (thread != null) {
            try {
                thread.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            thread = null;
        }
        producer.close(Duration.ofSeconds(5));
    }

    @Override
    public void close() {
        stop();
    }

    /** Asks for a batch now instead of at the next poll (e.g. right after a commit). */
    public void wake() {
        wakeUp.release();
    }

    /** Unsent rows, for a gauge; a growing backlog means Kafka or the relay is down. */
    public long backlog() {
        return db.execute().get(BACKLOG).map(r -> r.column("backlog").getLong()).orElse(0L);
    }

    /** The backlog as last counted by the relay loop (the gauge {@code kedai_outbox_backlog}). */
    long lastBacklog() {
        return lastBacklog;
    }

    private void loop() {
        while (running) {
            int sent;
            try {
                sent = relayBatch();
                purgeOccasionally();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "outbox relay batch failed, retrying", e);
                sent = 0;
            }
            countOccasionally();   // also (above all) while Kafka is down and batches fail
            if (sent < batchSize) {   // a full batch means more are waiting: go on at once
                try {
                    wakeUp.tryAcquire(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
                    wakeUp.drainPermits();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
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

    // sent rows are only history; without this the table grows forever
    private void purgeOccasionally() {
        if (System.nanoTime() - lastPurge < purgeInterval.toNanos()) {
            return;
        }
        lastPurge = System.nanoTime();
        db.execute().delete(PURGE, retention.toSeconds());
    }

    /** One batch; returns how many events it published. */
    int relayBatch() {
        return transactions.inTransaction(tx -> {
            if (tx.get(LOCK).isEmpty()) {
                return 0;   // another replica is relaying
            }
            List<DbRow> rows = tx.query(UNSENT, batchSize).toList();
            if (rows.isEmpty()) {
                return 0;
            }
            afterClaim.run();
            List<Future<RecordMetadata>> acks = new ArrayList<>(rows.size());
            for (DbRow row : rows) {
                acks.add(producer.send(toRecord(row)));
            }
            awaitAcks(acks);
            if (crashAfterSend) {
                throw new IllegalStateException("test hook: crash after send, before marking sent");
            }
            String ids = rows.stream()
                    .map(r -> Long.toString(r.column("id").getLong()))
                    .collect(Collectors.joining(","));
            tx.dml("UPDATE outbox SET sent_at = CURRENT_TIMESTAMP(6) WHERE id IN (" + ids + ")");
            return rows.size();
        });
    }

    private static void awaitAcks(List<Future<RecordMetadata>> acks) {
        try {
            for (Future<RecordMetadata> ack : acks) {
                ack.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Kafka acks", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("Kafka refused an outbox event", e.getCause());
        }
    }

    private ProducerRecord<String, byte[]> toRecord(DbRow row) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(CloudEvents.SPEC_VERSION, utf8(CloudEvents.VERSION_1_0));
        headers.add(CloudEvents.ID, utf8(row.column("event_id").getString()));
        headers.add(CloudEvents.SOURCE, utf8(row.column("source").getString()));
        headers.add(CloudEvents.TYPE, utf8(row.column("event_type").getString()));
        headers.add(CloudEvents.TIME, utf8(row.column("event_time").getString()));
        headers.add(CloudEvents.CONTENT_TYPE, utf8(CloudEvents.PROTOBUF));
        return new ProducerRecord<>(topicPrefix + row.column("topic").getString(), null,
                row.column("event_key").getString(), row.column("payload").get(byte[].class), headers);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

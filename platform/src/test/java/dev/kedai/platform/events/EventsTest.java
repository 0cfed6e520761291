package dev.kedai.platform.events;

import java.nio.charset.StandardCharsets;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.kedai.contracts.Topics;
import dev.kedai.infra.InfraEndpoints;
import dev.kedai.infra.KafkaTopics;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.db.Database;
import dev.kedai.platform.db.TestDatabases;
import dev.kedai.platform.db.Transactions;
import dev.kedai.proto.product.v1.ProductCreated;
import dev.kedai.proto.product.v1.ProductDeleted;

import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbClientException;
import io.helidon.dbclient.DbTransaction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class EventsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String CREATED = ProductCreated.getDescriptor().getFullName();

    private final InfraEndpoints infra = TestInfra.get();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private Database database;
    private DbClient db;
    private String topic;

    @BeforeEach
    void setUp() {
        database = TestDatabases.start("platevents");
        db = database.client();
        topic = "test.events." + UUID.randomUUID();
        KafkaTopics.ensure(infra.kafkaBootstrap(), List.of(topic), 1);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeables.reversed()) {
            c.close();
        }
        database.close();
    }

    @Test
    void aRolledBackTransactionPublishesNothing() {
        Outbox outbox = new Outbox("kedai-test");
        Transactions transactions = Transactions.create(db, "kedai-test");
        transactions.inTransaction(tx -> outbox.append(tx, topic, "p-rolled-back", created("p-rolled-back")),
                                   appended -> false);
        String markerId = transactions.inTransaction(tx -> outbox.append(tx, topic, "p-committed", created("p-committed")));

        OutboxRelay relay = relay();
        relay.start();
        List<ConsumerRecord<String, byte[]>> seen = new CopyOnWriteArrayList<>();
        await().atMost(WAIT).until(() -> {
            seen.addAll(readSome(topic));
            return seen.stream().anyMatch(r -> markerId.equals(header(r, CloudEvents.ID)));
        });
        assertThat(seen).extracting(ConsumerRecord::key).containsExactly("p-committed");
        ConsumerRecord<String, byte[]> r = seen.getFirst();
        assertThat(header(r, CloudEvents.SPEC_VERSION)).isEqualTo("1.0");
        assertThat(header(r, CloudEvents.TYPE)).isEqualTo(CREATED);
        assertThat(header(r, CloudEvents.SOURCE)).isEqualTo("kedai-test");
        assertThat(header(r, CloudEvents.CONTENT_TYPE)).isEqualTo("application/protobuf");
        assertThat(java.time.OffsetDateTime.parse(header(r, CloudEvents.TIME))).isNotNull();
        await().atMost(WAIT).until(() -> relay.backlog() == 0);
        assertThat(count("SELECT COUNT(*) AS n FROM outbox")).isEqualTo(1);
    }

    @Test
    void aCrashAfterSendingRepublishesAndTheConsumerAppliesTheEffectOnce() throws Exception {
        Outbox outbox = new Outbox("kedai-test");
        String eventId = Transactions.create(db, "kedai-test").inTransaction(tx -> outbox.append(tx, topic, "p-1", created("p-1")));

        OutboxRelay crashing = OutboxRelay.builder(db, infra.kafkaBootstrap()).pollInterval(Duration.ofMillis(50)).batchSize(100).build();
        crashing.crashAfterSend = true;
        crashing.start();
        List<ConsumerRecord<String, byte[]>> seen = new CopyOnWriteArrayList<>();
        // it keeps publishing and "crashing" before marking the row sent
        await().atMost(WAIT).until(() -> {
            seen.addAll(readSome(topic));
            return !seen.isEmpty();
        });
        crashing.stop();
        assertThat(crashing.backlog()).isEqualTo(1);

        OutboxRelay fresh = relay();
        fresh.start();
        await().atMost(WAIT).until(() -> fresh.backlog() == 0);
        List<ConsumerRecord<String, byte[]>> onTheWire = readAll(topic, 2);
        // the same event, more than once on the wire
        assertThat(onTheWire).extracting(r -> header(r, CloudEvents.ID)).containsOnly(eventId);

        String group = "g-" + UUID.randomUUID();
        EventConsumer consumer = EventConsumer.builder(db, infra.kafkaBootstrap(), group)
                .topics(topic)
                .handler(ProductCreated.getDefaultInstance(), EventsTest::recordEffect)
                .build();
        closeables.add(consumer);
        consumer.start();
        long endOffset = endOffset(topic);
        await().atMost(WAIT).until(() -> committedOffset(group, topic) == endOffset);
        assertThat(count("SELECT COUNT(*) AS n FROM effects WHERE event_key = 'p-1'")).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) AS n FROM processed_events WHERE event_id = '" + eventId + "'"))
                .isEqualTo(1);
    }

    @Test
    void aPoisonRecordGoesToTheDeadLetterTopicAfterNAttemptsAndConsumptionGoesOn() throws Exception {
        AtomicInteger badAttempts = new AtomicInteger();
        String group = "g-" + UUID.randomUUID();
        EventConsumer consumer = EventConsumer.builder(db, infra.kafkaBootstrap(), group)
                .topics(topic)
                .maxAttempts(3)
                .backoff(Duration.ofMillis(10))
                .handler(ProductCreated.getDefaultInstance(), (tx, event) -> {
                    ProductCreated p = event.parse(ProductCreated.parser());
                    if (p.getProductId().equals("bad")) {
                        badAttempts.incrementAndGet();
                        throw new IllegalStateException("cannot handle bad");
                    }
                    recordEffect(tx, event);
                })
                .handler(ProductDeleted.getDefaultInstance(), (tx, event) -> {
                    event.parse(ProductDeleted.parser());
                    recordEffect(tx, event);
                })
                .build();
        closeables.add(consumer);

        produce("bad", CREATED, created("bad").toByteArray());
        produce("garbage", ProductDeleted.getDescriptor().getFullName(), new byte[] {(byte) 0xff, (byte) 0xff});
        produce("future", "kedai.product.v9.SomethingNew", new byte[] {1, 2, 3});
        produce("good", CREATED, created("good").toByteArray());
        consumer.start();

        await().atMost(WAIT).until(() -> count("SELECT COUNT(*) AS n FROM effects WHERE event_key = 'good'") == 1);
        assertThat(badAttempts).hasValue(3);
        List<ConsumerRecord<String, byte[]>> dead = readAll(Topics.deadLetter(topic), 2);
        assertThat(dead).extracting(ConsumerRecord::key).containsExactly("bad", "garbage");
        ConsumerRecord<String, byte[]> bad = dead.getFirst();
        assertThat(header(bad, CloudEvents.ATTEMPTS)).isEqualTo("3");
        assertThat(header(bad, CloudEvents.ERROR)).isEqualTo("java.lang.IllegalStateException: cannot handle bad");
        assertThat(header(bad, CloudEvents.TYPE)).isEqualTo(CREATED);   // original headers kept
        assertThat(header(bad, CloudEvents.ID)).isNotBlank();
        ConsumerRecord<String, byte[]> garbage = dead.get(1);
        assertThat(header(garbage, CloudEvents.ATTEMPTS)).isEqualTo("1");   // unparseable: no retries
        assertThat(header(garbage, CloudEvents.ERROR)).startsWith(PoisonEventException.class.getName());
        // nothing of the failed ones was applied; the unknown type was skipped
        assertThat(count("SELECT COUNT(*) AS n FROM effects")).isEqualTo(1);
        await().atMost(WAIT).until(() -> committedOffset(group, topic) == 4);
    }

    /**
     * Fault suite, stop-mariadb and stop-kafka: an outage longer than the consumer's attempts sent
     * the event in hand to the {@code .dlt}, and the paid order it would have fulfilled stayed PAID.
     * A transient failure (here the pool's "no connection", what a database outage looks like) must
     * be retried for as long as it lasts; only a deterministic one counts toward max-attempts.
     */
    @Test
    void aTransientFailureIsRetriedPastMaxAttemptsAndNothingIsDeadLettered() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        String group = "g-" + UUID.randomUUID();
        KafkaTopics.ensure(infra.kafkaBootstrap(), List.of(Topics.deadLetter(topic)), 1);
        EventConsumer consumer = EventConsumer.builder(db, infra.kafkaBootstrap(), group)
                .topics(topic).maxAttempts(3).backoff(Duration.ofMillis(10))
                .handler(CREATED, (tx, event) -> {
                    if (calls.incrementAndGet() <= 6) { // the database away for twice the attempts
                        throw new DbClientException("Failed to get a connection", new SQLTransientConnectionException(
                                "HikariPool-1 - Connection is not available, request timed out after 3000ms."));
                    }
                    recordEffect(tx, event);
                })
                .build();
        closeables.add(consumer);
        produce("p-1", CREATED, created("p-1").toByteArray());
        produce("p-2", CREATED, created("p-2").toByteArray());
        consumer.start();

        await().atMost(WAIT).until(() -> committedOffset(group, topic) == 2);
        assertThat(count("SELECT COUNT(*) AS n FROM effects WHERE event_key IN ('p-1', 'p-2')")).isEqualTo(2);
        assertThat(endOffset(Topics.deadLetter(topic))).isZero();
    }

    @Test
    void theOffsetIsCommittedOnlyAfterTheEffect() throws Exception {
        AtomicBoolean failing = new AtomicBoolean(true);
        AtomicInteger calls = new AtomicInteger();
        String group = "g-" + UUID.randomUUID();
        EventHandler handler = (tx, event) -> {
            calls.incrementAndGet();
            recordEffect(tx, event);   // written, then rolled back by the failure
            if (failing.get()) {
                throw new IllegalStateException("database hiccup");
            }
        };
        EventConsumer first = EventConsumer.builder(db, infra.kafkaBootstrap(), group)
                .topics(topic).maxAttempts(1000).backoff(Duration.ofMillis(20))
                .handler(CREATED, handler).build();
        produce("p-1", CREATED, created("p-1").toByteArray());
        first.start();
        await().atMost(WAIT).until(() -> calls.get() >= 2);
        first.stop();
        assertThat(committedOffset(group, topic)).isEqualTo(-1L);
        assertThat(count("SELECT COUNT(*) AS n FROM effects")).isZero();

        failing.set(false);
        EventConsumer second = EventConsumer.builder(db, infra.kafkaBootstrap(), group)
                .topics(topic).handler(CREATED, handler).build();
        closeables.add(second);
        second.start();
        await().atMost(WAIT).until(() -> committedOffset(group, topic) == 1);
        assertThat(count("SELECT COUNT(*) AS n FROM effects WHERE event_key = 'p-1'")).isEqualTo(1);
    }

    /** SIGTERM while an event is applied: stop() wakes the consumer, the event finishes and its offset is committed. */
    @Test
    void stoppingDuringAnEventCommitsItsOffset() throws Exception {
        String group = "g-" + UUID.randomUUID();
        produce("p-1", CREATED, created("p-1").toByteArray());
        java.util.concurrent.CountDownLatch handling = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        EventConsumer consumer = EventConsumer.builder(db, infra.kafkaBootstrap(), group)
                .topics(topic)
                .handler(CREATED, (tx, event) -> {
                    handling.countDown();
                    release.await();
                })
                .build()
                .start();
        assertThat(handling.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        // stop() wakes the consumer, then waits for the loop (a timed wait: the wake-up is sent by then)
        Thread stopper = Thread.ofPlatform().start(consumer::stop);
        await().atMost(WAIT).until(() -> stopper.getState() == Thread.State.TIMED_WAITING);
        release.countDown();
        stopper.join(Duration.ofSeconds(30));

        assertThat(stopper.isAlive()).isFalse();
        assertThat(committedOffset(group, topic)).as("offset after the finished event").isEqualTo(1L);
    }

    // ---- helpers

    private OutboxRelay relay() {
        OutboxRelay relay = OutboxRelay.builder(db, infra.kafkaBootstrap()).pollInterval(Duration.ofMillis(50)).batchSize(100).build();
        closeables.add(relay);
        return relay;
    }

    private static void recordEffect(DbTransaction tx, ConsumedEvent event) {
        tx.insert("INSERT INTO effects (event_key, event_type) VALUES (?, ?)", event.key(), event.type());
    }

    private static ProductCreated created(String id) {
        return ProductCreated.newBuilder().setProductId(id).setSku("SKU-" + id).setName("Product " + id).build();
    }

    private long count(String sql) {
        return db.execute().get(sql).orElseThrow().column("n").getLong();
    }

    private void produce(String key, String type, byte[] payload) throws Exception {
        RecordHeaders h = new RecordHeaders();
        h.add(CloudEvents.SPEC_VERSION, utf8("1.0"));
        h.add(CloudEvents.ID, utf8(UUID.randomUUID().toString()));
        h.add(CloudEvents.SOURCE, utf8("kedai-test"));
        h.add(CloudEvents.TYPE, utf8(type));
        h.add(CloudEvents.TIME, utf8("2026-11-21T10:00:00Z"));
        h.add(CloudEvents.CONTENT_TYPE, utf8(CloudEvents.PROTOBUF));
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(KafkaClients.producer(infra.kafkaBootstrap(), Map.of()))) {
            p.send(new ProducerRecord<>(topic, null, key, payload, h)).get();
        }
    }

    private KafkaConsumer<String, byte[]> rawConsumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    private final Map<String, Long> readPositions = new java.util.HashMap<>();

    /** Reads what arrived on partition 0 since the previous call for this topic. */
    private List<ConsumerRecord<String, byte[]>> readSome(String t) {
        try (KafkaConsumer<String, byte[]> c = rawConsumer()) {
            TopicPartition tp = new TopicPartition(t, 0);
            c.assign(List.of(tp));
            c.seek(tp, readPositions.getOrDefault(t, 0L));
            List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
            c.poll(Duration.ofMillis(300)).forEach(out::add);
            readPositions.put(t, c.position(tp));
            return out;
        }
    }

    /** Reads partition 0 from the start until at least {@code atLeast} records are there. */
    private List<ConsumerRecord<String, byte[]>> readAll(String t, int atLeast) {
        try (KafkaConsumer<String, byte[]> c = rawConsumer()) {
            TopicPartition tp = new TopicPartition(t, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
            await().atMost(WAIT).until(() -> {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
                return out.size() >= atLeast && c.position(tp) >= c.endOffsets(List.of(tp)).get(tp);
            });
            return out;
        }
    }

    private long endOffset(String t) {
        try (KafkaConsumer<String, byte[]> c = rawConsumer()) {
            TopicPartition tp = new TopicPartition(t, 0);
            return c.endOffsets(List.of(tp)).get(tp);
        }
    }

    private long committedOffset(String group, String t) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap()))) {
            OffsetAndMetadata o = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                    .get(new TopicPartition(t, 0));
            return o == null ? -1 : o.offset();
        }
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

package dev.kedai.platform.events;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.kedai.infra.InfraEndpoints;
import dev.kedai.infra.KafkaTopics;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.db.Database;
import dev.kedai.platform.db.TestDatabases;
import dev.kedai.platform.db.Transactions;
import dev.kedai.proto.product.v1.ProductCreated;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The gauges and counters operators watch: kedai_outbox_backlog, kedai_consumer_records_lag_max and kedai_events_consumed_total. */
class EventMetricsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String CREATED = ProductCreated.getDescriptor().getFullName();

    private final InfraEndpoints infra = TestInfra.get();
    private Database database;
    private String topic;

    @BeforeEach
    void setUp() {
        database = TestDatabases.start("platmetrics");
        topic = "test.metrics." + UUID.randomUUID();
        KafkaTopics.ensure(infra.kafkaBootstrap(), List.of(topic), 1);
    }

    @AfterEach
    void tearDown() {
        database.close();
    }

    @Test
    void theBacklogGaugeShowsUnsentRowsUntilTheRelayPublishesThem() {
        Transactions.create(database.client(), "kedai-test")
                .inTransaction(tx -> new Outbox("kedai-test").append(tx, topic, "p-1", created("p-1")));

        // publishes but never marks the row sent: the backlog stays at one
        OutboxRelay stuck = OutboxRelay.builder(database.client(), infra.kafkaBootstrap()).pollInterval(Duration.ofMillis(50)).batchSize(100).build();
        stuck.crashAfterSend = true;
        stuck.start();
        try {
            await().atMost(WAIT).until(() -> backlogGauge() >= 1);
        } finally {
            stuck.stop();
        }
        try (OutboxRelay relay = OutboxRelay.builder(database.client(), infra.kafkaBootstrap()).pollInterval(Duration.ofMillis(50)).batchSize(100).build()) {
            relay.start();
            await().atMost(WAIT).until(() -> backlogGauge() == 0);
        }
    }

    @Test
    void consumedEventsAreCountedByOutcome() throws Exception {
        String group = "g-" + UUID.randomUUID();
        String sameId = UUID.randomUUID().toString();
        produce(sameId, "p-1");
        produce(sameId, "p-1");   // redelivered: a duplicate
        produce(UUID.randomUUID().toString(), "bad");
        try (EventConsumer consumer = EventConsumer.builder(database.client(), infra.kafkaBootstrap(), group)
                .topics(topic)
                .maxAttempts(1)
                .handler(ProductCreated.getDefaultInstance(), (tx, event) -> {
                    if (event.parse(ProductCreated.parser()).getProductId().equals("bad")) {
                        throw new IllegalStateException("cannot handle bad");
                    }
                })
                .build()) {
            // every outcome exists before the first event, so dashboards show zero instead of nothing
            assertThat(consumed(group, "dead_lettered")).isZero();
            consumer.start();
            await().atMost(WAIT).until(() -> consumed(group, "dead_lettered") == 1);
            assertThat(consumed(group, "applied")).isEqualTo(1);
            assertThat(consumed(group, "duplicate")).isEqualTo(1);
        }
    }

    @Test
    void theLagGaugeIsZeroForAConsumerThatKeepsUp() {
        String group = "g-" + UUID.randomUUID();
        try (EventConsumer consumer = EventConsumer.builder(database.client(), infra.kafkaBootstrap(), group)
                .topics(topic).handler(ProductCreated.getDefaultInstance(), (tx, event) -> { }).build()) {
            assertThat(lag(group)).as("before the first fetch").isNaN();
            consumer.start();
            await().atMost(WAIT).until(() -> lag(group) == 0.0);
        }
    }

    @Test
    void theLagGaugeShowsHowFarAConsumerIsBehind() throws Exception {
        String group = "g-" + UUID.randomUUID();
        for (int i = 0; i < 20; i++) {
            produce(UUID.randomUUID().toString(), "p-" + i);
        }
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try (EventConsumer consumer = EventConsumer.builder(database.client(), infra.kafkaBootstrap(), group)
                .topics(topic).maxPollRecords(1)
                .handler(ProductCreated.getDefaultInstance(), (tx, event) -> release.await())
                .build()) {
            consumer.start();
            // stuck on the first of 20: the other 19 wait
            await().atMost(WAIT).until(() -> lag(group) >= 19);
            release.countDown();
        }
    }

    private static double lag(String group) {
        return Metrics.globalRegistry().gauge(ConsumerLag.GAUGE, List.of(Tag.create("group", group)))
                .map(Gauge::value).map(Number::doubleValue).orElse(Double.NaN);
    }

    private static double backlogGauge() {
        return Metrics.globalRegistry().gauge(OutboxBacklog.GAUGE, List.of()).map(Gauge::value)
                .map(Number::doubleValue).orElse(-1.0);
    }

    private static long consumed(String group, String outcome) {
        return Metrics.globalRegistry()
                .counter("kedai.events.consumed", List.of(Tag.create("group", group), Tag.create("type", CREATED),
                                                          Tag.create("outcome", outcome)))
                .map(Counter::count).orElse(-1L);
    }

    private void produce(String eventId, String productId) throws Exception {
        RecordHeaders h = new RecordHeaders();
        h.add(CloudEvents.SPEC_VERSION, utf8("1.0"));
        h.add(CloudEvents.ID, utf8(eventId));
        h.add(CloudEvents.SOURCE, utf8("kedai-test"));
        h.add(CloudEvents.TYPE, utf8(CREATED));
        h.add(CloudEvents.CONTENT_TYPE, utf8(CloudEvents.PROTOBUF));
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(KafkaClients.producer(infra.kafkaBootstrap(), Map.of()))) {
            p.send(new ProducerRecord<>(topic, null, productId, created(productId).toByteArray(), h)).get();
        }
    }

    private static ProductCreated created(String id) {
        return ProductCreated.newBuilder().setProductId(id).setSku("SKU-" + id).setName("Product " + id).build();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

package dev.kedai.platform.events;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.kedai.infra.InfraEndpoints;
import dev.kedai.infra.KafkaTopics;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.db.Database;
import dev.kedai.platform.db.TestDatabases;
import dev.kedai.proto.product.v1.ProductCreated;

import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * kedai_consumer_records_lag_max{group} (what alert KedaiConsumerLag watches) follows the real
 * consumer's lag, and a consumer stopped in the middle of an event still commits what it finished.
 */
class ConsumerLagTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String CREATED = ProductCreated.getDescriptor().getFullName();

    private final InfraEndpoints infra = TestInfra.get();
    private Database database;
    private String topic;

    @BeforeEach
    void setUp() {
        database = TestDatabases.start("platlag");
        topic = "test.lag." + UUID.randomUUID();
        KafkaTopics.ensure(infra.kafkaBootstrap(), List.of(topic), 1);
    }

    @AfterEach
    void tearDown() {
        database.close();
    }

    @Test
    void aConsumerThatKeepsUpReportsZero() {
        String group = "g-" + UUID.randomUUID();
        try (EventConsumer consumer = EventConsumer.builder(database.client(), infra.kafkaBootstrap(), group)
                .topics(topic).handler(ProductCreated.getDefaultInstance(), (tx, event) -> { }).build()) {
            assertThat(lag(group)).as("before the first fetch").isNaN();
            consumer.start();
            await().atMost(WAIT).until(() -> lag(group) == 0.0);
        }
    }

    @Test
    void aConsumerBehindItsTopicReportsHowFar() throws Exception {
        String group = "g-" + UUID.randomUUID();
        for (int i = 0; i < 20; i++) {
            produce("p-" + i);
        }
        CountDownLatch release = new CountDownLatch(1);
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

    @Test
    void stoppingDuringAnEventCommitsItsOffset() throws Exception {
        String group = "g-" + UUID.randomUUID();
        produce("p-1");
        CountDownLatch handling = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        EventConsumer consumer = EventConsumer.builder(database.client(), infra.kafkaBootstrap(), group)
                .topics(topic)
                .handler(ProductCreated.getDefaultInstance(), (tx, event) -> {
                    handling.countDown();
                    release.await();
                })
                .build()
                .start();
        assertThat(handling.await(30, TimeUnit.SECONDS)).isTrue();
        // SIGTERM arrives while the event is applied: stop() wakes the consumer, then waits for the
        // loop (a timed wait: by then the wake-up is sent); the event finishes afterwards
        Thread stopper = Thread.ofPlatform().start(consumer::stop);
        await().atMost(WAIT).until(() -> stopper.getState() == Thread.State.TIMED_WAITING);
        release.countDown();
        stopper.join(30_000);
        assertThat(stopper.isAlive()).isFalse();

        assertThat(committed(group)).as("offset after the finished event").isEqualTo(1L);
    }

    private static double lag(String group) {
        return Metrics.globalRegistry().gauge(ConsumerLag.GAUGE, List.of(Tag.create("group", group)))
                .map(Gauge::value).map(Number::doubleValue).orElse(Double.NaN);
    }

    private Long committed(String group) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap());
        try (Admin admin = Admin.create(p)) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            OffsetAndMetadata o = offsets.get(new TopicPartition(topic, 0));
            return o == null ? null : o.offset();
        }
    }

    private void produce(String productId) throws Exception {
        RecordHeaders h = new RecordHeaders();
        h.add(CloudEvents.SPEC_VERSION, utf8("1.0"));
        h.add(CloudEvents.ID, utf8(UUID.randomUUID().toString()));
        h.add(CloudEvents.SOURCE, utf8("kedai-test"));
        h.add(CloudEvents.TYPE, utf8(CREATED));
        h.add(CloudEvents.CONTENT_TYPE, utf8(CloudEvents.PROTOBUF));
        ProductCreated event = ProductCreated.newBuilder().setProductId(productId).setSku("SKU").setName("n").build();
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(OutboxRelay.producerProperties(infra.kafkaBootstrap()))) {
            p.send(new ProducerRecord<>(topic, null, productId, event.toByteArray(), h)).get();
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

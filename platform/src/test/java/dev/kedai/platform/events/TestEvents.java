package dev.kedai.platform.events;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import dev.kedai.proto.product.v1.ProductCreated;

import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbTransaction;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
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

import static org.awaitility.Awaitility.await;

/** Test helper: CloudEvents on a real broker, read back, offsets, and the effects table of the platform tests. */
final class TestEvents implements AutoCloseable {

    static final String CREATED = ProductCreated.getDescriptor().getFullName();
    static final Duration WAIT = Duration.ofSeconds(60);

    private final String bootstrap;
    private final KafkaProducer<String, byte[]> producer;

    TestEvents(String bootstrap) {
        this.bootstrap = bootstrap;
        this.producer = new KafkaProducer<>(KafkaClients.producer(bootstrap, Map.of()));
    }

    /** A ProductCreated event for product {@code key} with a fresh ce_id; returns the id. */
    String produceCreated(String topic, String key) {
        return produce(topic, null, key, UUID.randomUUID().toString(), CREATED, created(key).toByteArray());
    }

    /** A record with CloudEvents headers ({@code id} null: none); waits for its ack. */
    String produce(String topic, Integer partition, String key, String id, String type, byte[] payload) {
        RecordHeaders h = new RecordHeaders();
        h.add(CloudEvents.SPEC_VERSION, utf8("1.0"));
        if (id != null) {
            h.add(CloudEvents.ID, utf8(id));
        }
        h.add(CloudEvents.SOURCE, utf8("kedai-test"));
        h.add(CloudEvents.TYPE, utf8(type));
        h.add(CloudEvents.TIME, utf8("2026-11-21T10:00:00Z"));
        h.add(CloudEvents.CONTENT_TYPE, utf8(CloudEvents.PROTOBUF));
        try {
            producer.send(new ProducerRecord<>(topic, partition, key, payload, h)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return id;
    }

    static ProductCreated created(String id) {
        return ProductCreated.newBuilder().setProductId(id).setSku("SKU-" + id).setName("Product " + id).build();
    }

    /** Every record of every partition of {@code topic}, once at least {@code atLeast} are there. */
    List<ConsumerRecord<String, byte[]>> readAll(String topic, int atLeast) {
        try (KafkaConsumer<String, byte[]> c = rawConsumer()) {
            List<TopicPartition> partitions = c.partitionsFor(topic, WAIT).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(partitions);
            c.seekToBeginning(partitions);
            List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
            await().atMost(WAIT).until(() -> {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
                Map<TopicPartition, Long> ends = c.endOffsets(partitions);
                return out.size() >= atLeast && partitions.stream().allMatch(tp -> c.position(tp) >= ends.get(tp));
            });
            return out;
        }
    }

    /** Records now in {@code topic} (all partitions), without waiting for any. */
    long count(String topic) {
        try (KafkaConsumer<String, byte[]> c = rawConsumer()) {
            List<TopicPartition> partitions = c.partitionsFor(topic, WAIT).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, Long> begin = c.beginningOffsets(partitions);
            return c.endOffsets(partitions).entrySet().stream().mapToLong(e -> e.getValue() - begin.get(e.getKey())).sum();
        }
    }

    /** The sum of the group's committed offsets over the topic's partitions (-1 when none is committed). */
    long committed(String group, String topic) {
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            long sum = -1;
            for (var e : offsets.entrySet()) {
                if (e.getKey().topic().equals(topic) && e.getValue() != null) {
                    sum = Math.max(sum, 0) + e.getValue().offset();
                }
            }
            return sum;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private KafkaConsumer<String, byte[]> rawConsumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** The platform tests' effect: one row in {@code effects} per applied event. */
    static void recordEffect(DbTransaction tx, ConsumedEvent event) {
        tx.insert("INSERT INTO effects (event_key, event_type) VALUES (?, ?)", event.key(), event.type());
    }

    static long count(DbClient db, String sql, Object... params) {
        return db.execute().get(sql, params).orElseThrow().column("n").get(Number.class).longValue();
    }

    /** The text column {@code t} of the one row {@code sql} returns (null when NULL). */
    static String text(DbClient db, String sql, Object... params) {
        return db.execute().get(sql, params).orElseThrow().column("t").get(String.class);
    }

    /** {@code kedai_events_<name>_total{group, <label>=<value>}} (e.g. retries by reason). */
    static long counter(String name, String group, String label, String value) {
        return Metrics.globalRegistry()
                .counter(name, List.of(Tag.create("group", group), Tag.create(label, value)))
                .map(Counter::count).orElse(0L);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}

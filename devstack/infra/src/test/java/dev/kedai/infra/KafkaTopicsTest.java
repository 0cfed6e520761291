package dev.kedai.infra;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class KafkaTopicsTest {

    @Test
    void createsTopicsAndTheirDeadLetterTopicsIdempotently() throws Exception {
        String bootstrap = TestInfra.get().kafkaBootstrap();
        String topic = "kedai.test." + UUID.randomUUID() + ".v1";
        KafkaTopics.ensure(bootstrap, List.of(topic), 3);
        KafkaTopics.ensure(bootstrap, List.of(topic), 3);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<String, TopicDescription> topics = admin.describeTopics(List.of(topic, topic + ".dlt"))
                    .allTopicNames().get();
            assertThat(topics.get(topic).partitions()).hasSize(3);
            assertThat(topics.get(topic + ".dlt").partitions()).hasSize(3);
        }
    }

    @Test
    void aRecordSentIsReceived() throws Exception {
        String bootstrap = TestInfra.get().kafkaBootstrap();
        String topic = "kedai.test." + UUID.randomUUID() + ".v1";
        KafkaTopics.ensure(bootstrap, List.of(topic), 1);
        try (var producer = new KafkaProducer<String, String>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "k", "hello")).get();
        }
        try (var consumer = new KafkaConsumer<String, String>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "g-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            var received = new java.util.ArrayList<String>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    received.add(r.value());
                }
                return !received.isEmpty();
            });
            assertThat(received).containsExactly("hello");
        }
    }
}

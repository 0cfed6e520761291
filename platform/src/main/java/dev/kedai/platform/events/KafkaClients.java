package dev.kedai.platform.events;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import io.helidon.common.config.Config;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The settings of every Kafka client Kedai makes, with every timeout explicit, so no call into
 * Kafka waits longer than we chose (the clients' own defaults block up to 60 s):
 *
 * <table>
 * <caption>timeouts</caption>
 * <tr><th>producer</th><td>{@code max.block.ms} 10 s (send waiting for metadata or buffer space),
 *     {@code request.timeout.ms} 10 s, {@code delivery.timeout.ms} 30 s (a send's ack or its failure)</td></tr>
 * <tr><th>consumer</th><td>{@code default.api.timeout.ms} 15 s (commitSync, committed, position),
 *     {@code request.timeout.ms} 15 s, {@code session.timeout.ms} 10 s, {@code heartbeat.interval.ms} 3 s,
 *     {@code max.poll.interval.ms} 5 min</td></tr>
 * </table>
 *
 * The session timeout is how long a consumer that died without leaving its group (kill -9, OOM,
 * a node lost) still owns its partitions: its successor — usually the same service restarted —
 * gets nothing until then. Kafka's default of 45 s stalled every event of a restarted service for
 * that long; 10 s (Kafka's minimum is 6 s) is still three missed heartbeats. A member named after
 * its instance ({@code group.instance.id}, {@code EventConsumer.Builder#instance}) does not wait
 * for it when it is that instance restarted: it takes the partitions back as it joins.
 *
 * Any client property can be overridden from config, {@code kafka.producer.<property>} and
 * {@code kafka.consumer.<property>}, e.g. {@code kafka.consumer.max.poll.interval.ms: 60000} in
 * application.yaml or as a system property.
 */
public final class KafkaClients {

    private KafkaClients() {
    }

    /** An idempotent producer ({@code acks=all}), String keys, byte[] values. */
    public static Properties producer(String bootstrapServers, Map<String, ?> overrides) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.putAll(overrides);
        return p;
    }

    /** A consumer of {@code group} that commits by hand and starts from the earliest offset. */
    public static Properties consumer(String bootstrapServers, String group, Map<String, ?> overrides) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        c.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        c.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 3_000);
        c.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 300_000);
        c.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.putAll(overrides);
        return c;
    }

    /** The overrides under {@code kafka.<client>} ({@code producer} or {@code consumer}) of the root config. */
    public static Map<String, String> overrides(Config root, String client) {
        Map<String, String> out = new HashMap<>();
        Config node = root.get("kafka").get(client);
        String prefix = node.key() + ".";
        node.asMap().ifPresent(m -> m.forEach((key, value) ->
                out.put(key.startsWith(prefix) ? key.substring(prefix.length()) : key, value)));
        return out;
    }
}

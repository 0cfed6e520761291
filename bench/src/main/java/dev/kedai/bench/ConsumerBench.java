package dev.kedai.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;

import dev.kedai.infra.DbAccount;
import dev.kedai.infra.InfraEndpoints;
import dev.kedai.infra.KafkaTopics;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.db.Database;
import dev.kedai.platform.events.CloudEvents;
import dev.kedai.platform.events.EventConsumer;
import dev.kedai.platform.events.KafkaClients;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.dbclient.DbClient;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * How many events per second one consumer group ({@link EventConsumer}, one consumer) applies:
 * N events on a 3-partition topic (keys spread over 200 aggregates), each applied by a handler
 * that writes one row (an upsert of its key's counter, as stock's OrderPaid updates a level), with
 * its id recorded in {@code processed_events}. Each batch size given is measured in the same run,
 * against the same topic, as a fresh group (batch size 1 is one transaction per event, what the
 * consumer did before batching), so the numbers compare as a ratio.
 *
 * <pre>
 * java -cp kedai-bench.jar:libs/* dev.kedai.bench.ConsumerBench [--events 20000] [--batch-sizes 1,100]
 * </pre>
 * Servers: those {@code KEDAI_TEST_INFRA} names (e.g. while {@code ./kedai test} or
 * {@code ./kedai up} runs), else embedded ones started for the run.
 */
public final class ConsumerBench {

    private static final String TYPE = "kedai.bench.Applied";

    private ConsumerBench() {
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = new HashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            args.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
        }
        int events = Integer.parseInt(args.getOrDefault("events", "20000"));
        List<Integer> batchSizes = new ArrayList<>();
        for (String s : args.getOrDefault("batch-sizes", "1,100").split(",")) {
            batchSizes.add(Integer.parseInt(s.trim()));
        }
        InfraEndpoints infra = TestInfra.get();
        DbAccount account = TestInfra.newDatabase("bench_consumer");
        Map<String, String> m = new HashMap<>();
        m.put("db.source", "jdbc");
        m.put("db.connection.url", account.url());
        m.put("db.connection.username", account.user());
        m.put("db.connection.password", account.password());
        m.put("db.connection.maximumPoolSize", "8");
        String topic = "bench.consumer." + UUID.randomUUID();
        KafkaTopics.ensure(infra.kafkaBootstrap(), List.of(topic), 3);
        try (Database database = Database.start(Config.just(ConfigSources.create(m)).get("db"))) {
            DbClient db = database.client();
            db.execute().dml("CREATE TABLE bench_effects (event_key VARCHAR(64) PRIMARY KEY, applied BIGINT NOT NULL)");
            produce(infra.kafkaBootstrap(), topic, events);
            System.out.printf("%d events on %s (3 partitions, 200 keys)%n", events, topic);
            Map<Integer, Double> rates = new HashMap<>();
            for (int batchSize : batchSizes) {
                rates.put(batchSize, measure(db, infra.kafkaBootstrap(), topic, events, batchSize));
            }
            int first = batchSizes.getFirst();
            for (int batchSize : batchSizes) {
                System.out.printf("batch-size %4d: %8.0f events/s  (%.2f x batch-size %d)%n", batchSize,
                                  rates.get(batchSize), rates.get(batchSize) / rates.get(first), first);
            }
        }
        System.exit(0);   // the embedded servers' threads, if any
    }

    /** Applies every event of the topic with a fresh group; returns events/s from start to the last applied. */
    private static double measure(DbClient db, String bootstrap, String topic, int events, int batchSize)
            throws InterruptedException {
        String group = "bench-" + batchSize + "-" + UUID.randomUUID();
        EventConsumer consumer = EventConsumer.builder(db, bootstrap, group)
                .topics(topic)
                .batchSize(batchSize)
                .handler(TYPE, (tx, event) -> tx.dml(
                        "INSERT INTO bench_effects (event_key, applied) VALUES (?, 1)"
                                + " ON DUPLICATE KEY UPDATE applied = applied + 1", event.key()))
                .build();
        long start = System.nanoTime();
        consumer.start();
        try {
            long applied = 0;
            long lastReport = start;
            while (applied < events) {
                Thread.sleep(50);   // polling a count to print progress and stop the clock; not synchronisation of a test
                applied = db.execute().get("SELECT COUNT(*) AS n FROM processed_events WHERE consumer_group = ?", group)
                        .map(r -> r.column("n").getLong()).orElse(0L);
                if (System.nanoTime() - lastReport > Duration.ofSeconds(10).toNanos()) {
                    lastReport = System.nanoTime();
                    System.out.printf("  batch-size %d: %d of %d applied%n", batchSize, applied, events);
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return events / seconds;
        } finally {
            consumer.close();
        }
    }

    private static void produce(String bootstrap, String topic, int events) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaClients.producer(bootstrap, Map.of()))) {
            List<Future<RecordMetadata>> acks = new ArrayList<>(events);
            for (int i = 0; i < events; i++) {
                RecordHeaders h = new RecordHeaders();
                h.add(CloudEvents.ID, UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
                h.add(CloudEvents.TYPE, TYPE.getBytes(StandardCharsets.UTF_8));
                acks.add(producer.send(new ProducerRecord<>(topic, null, "k" + (i % 200), new byte[0], h)));
            }
            for (Future<RecordMetadata> ack : acks) {
                ack.get();
            }
        }
    }
}

package dev.kedai.stock;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.kedai.infra.DbAccount;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.events.CloudEvents;
import dev.kedai.platform.testing.TestHttp;
import dev.kedai.platform.testing.TestServiceConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import static org.awaitility.Awaitility.await;

/** Small helpers of the stock tests: SQL seeding, JSON writes, publishing and reading events. */
final class StockTestKit {

    private StockTestKit() {
    }

    static void sql(DbAccount db, String statement) {
        try (var c = DriverManager.getConnection(db.url(), db.user(), db.password()); var s = c.createStatement()) {
            s.executeUpdate(statement);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first column of the first row of {@code query}, or null. */
    static String query(DbAccount db, String query) {
        try (var c = DriverManager.getConnection(db.url(), db.user(), db.password()); var s = c.createStatement();
             var r = s.executeQuery(query)) {
            return r.next() ? r.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new product with this much on hand. */
    static String product(DbAccount db, long onHand) {
        String id = UUID.randomUUID().toString();
        sql(db, "INSERT INTO stock_levels (product_id, on_hand, reserved) VALUES ('" + id + "', " + onHand + ", 0)");
        return id;
    }

    static HttpResponse<String> post(TestHttp http, String path, String bearer, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(http.uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        return bearer == null ? http.send(request) : http.send(request, "Authorization", bearer);
    }

    static Timestamp now() {
        Instant at = Instant.now();
        return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
    }

    /** Publishes an event as the services' outbox relays do (CloudEvents binary mode). */
    static void publish(String topic, String key, Message payload) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfra.get().kafkaBootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        RecordHeaders headers = new RecordHeaders();
        headers.add(CloudEvents.SPEC_VERSION, utf8("1.0"));
        headers.add(CloudEvents.ID, utf8(UUID.randomUUID().toString()));
        headers.add(CloudEvents.SOURCE, utf8("test"));
        headers.add(CloudEvents.TYPE, utf8(payload.getDescriptorForType().getFullName()));
        headers.add(CloudEvents.TIME, utf8(Instant.now().toString()));
        headers.add(CloudEvents.CONTENT_TYPE, utf8(CloudEvents.PROTOBUF));
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(TestServiceConfig.topic(topic), null, key, payload.toByteArray(), headers)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits for the records of {@code topic} with this key until {@code enough} holds; returns them. */
    static List<ConsumerRecord<String, byte[]>> records(String topic, String key,
                                                        Predicate<List<ConsumerRecord<String, byte[]>>> enough) {
        List<ConsumerRecord<String, byte[]>> mine = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = reader(topic)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (key.equals(r.key())) {
                        mine.add(r);
                    }
                });
                return enough.test(mine);
            });
        }
        return mine;
    }

    /**
     * Holds every request connection of a stock server, as Reserves queued on a hot product do:
     * locks a new level row from outside and sends {@code poolSize} admin updates of it, each of
     * which then waits on that lock with a connection, until a read of another product finds none
     * (503). Closing frees the row; each held update then answers 200 (or 503 if it never got a
     * connection).
     */
    static final class HeldRequestPool implements AutoCloseable {
        private final java.util.concurrent.ExecutorService senders = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
        private final List<java.util.concurrent.Future<HttpResponse<String>>> held = new ArrayList<>();
        private final java.sql.Connection locker;

        HeldRequestPool(DbAccount db, TestHttp http, String adminBearer, int poolSize) {
            String hot = product(db, 100);
            // the token is checked against keys fetched on first use (a 503 until then): fetch them first
            await().atMost(Duration.ofSeconds(30)).until(() -> post(http, "/stock/update", adminBearer,
                    "{\"product_id\":\"" + hot + "\",\"quantity\":100}").statusCode() == 200);
            try {
                locker = DriverManager.getConnection(db.url(), db.user(), db.password());
                locker.setAutoCommit(false);
                try (var s = locker.prepareStatement("SELECT on_hand FROM stock_levels WHERE product_id = ? FOR UPDATE")) {
                    s.setString(1, hot);
                    s.executeQuery().close();
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            for (int i = 0; i < poolSize; i++) {
                held.add(senders.submit(() -> post(http, "/stock/update", adminBearer,
                        "{\"product_id\":\"" + hot + "\",\"delta\":1}")));
            }
            String probe = product(db, 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> http.get("/stock/" + probe).statusCode() == 503);
        }

        @Override
        public void close() throws Exception {
            locker.rollback();
            locker.close();
            for (var answer : held) {
                HttpResponse<String> res = answer.get();
                if (res.statusCode() != 200 && res.statusCode() != 503) {
                    throw new AssertionError("a held update answered " + res.statusCode() + ": " + res.body());
                }
            }
            senders.shutdown();
        }
    }

    /** A consumer of {@code topic} from its first record, in a group of its own. */
    static KafkaConsumer<String, byte[]> reader(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfra.get().kafkaBootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p);
        consumer.subscribe(List.of(TestServiceConfig.topic(topic)));
        return consumer;
    }

    static String type(ConsumerRecord<String, byte[]> record) {
        return new String(record.headers().lastHeader(CloudEvents.TYPE).value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

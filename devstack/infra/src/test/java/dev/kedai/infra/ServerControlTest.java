package dev.kedai.infra;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the fault-injection suite does to the servers: each one, alone, killed with SIGKILL,
 * stopped, or paused, then started again on the same port with its data, while the others run.
 */
class ServerControlTest {

    private static Path dir;
    private static Infra infra;

    @BeforeAll
    static void start() {
        // outside java.io.tmpdir, like every data directory that must survive restarts
        dir = Path.of("target", "server-control-" + ProcessHandle.current().pid()).toAbsolutePath();
        infra = Infra.start(InfraSettings.freePorts(dir), System.out::println);
    }

    @AfterAll
    static void stop() throws Exception {
        infra.close();
        InfraTest.delete(dir);
    }

    @Test
    void mariaDbKeepsCommittedRowsThroughSigkillAndAnswersAgainAfterAPause() throws Exception {
        ServerProcess db = infra.server(Infra.Server.MARIADB).orElseThrow();
        long redis = pid(Infra.Server.REDIS);
        long kafka = pid(Infra.Server.KAFKA);
        DbAccount account = Databases.ensure(infra.endpoints(), "control", "pw");
        execute(account, "CREATE TABLE kept (id INT PRIMARY KEY)", "INSERT INTO kept VALUES (7)");
        long before = db.pid().orElseThrow();

        db.kill();
        assertThat(db.isAlive()).isFalse();
        assertThatThrownBy(() -> count(account)).isInstanceOf(SQLException.class);
        db.start();

        assertThat(db.pid()).get().isNotEqualTo(before);
        assertThat(db.port()).isEqualTo(infra.endpoints().dbPort());
        assertThat(count(account)).isEqualTo(1);

        db.pause();
        assertThatThrownBy(() -> count(account)).as("a paused server answers nothing").isInstanceOf(SQLException.class);
        db.resume();
        assertThat(count(account)).isEqualTo(1);

        db.stop();
        db.start();
        assertThat(count(account)).isEqualTo(1);
        assertThat(pid(Infra.Server.REDIS)).as("the others ran on").isEqualTo(redis);
        assertThat(pid(Infra.Server.KAFKA)).isEqualTo(kafka);
    }

    @Test
    void redisKeepsItsKeysThroughSigkill() {
        ServerProcess redis = infra.server(Infra.Server.REDIS).orElseThrow();
        long db = pid(Infra.Server.MARIADB);
        try (RedisClient client = RedisClient.create(infra.endpoints().redisUrl())) {
            client.set("kedai:kept", "yes");
        }

        redis.kill();
        assertThat(EmbeddedRedis.answersPing(redis.port())).isFalse();
        redis.start();
        try (RedisClient client = RedisClient.create(infra.endpoints().redisUrl())) {
            assertThat(client.get("kedai:kept")).isEqualTo("yes");
        }

        redis.pause();
        assertThat(EmbeddedRedis.answersPing(redis.port())).isFalse();
        redis.resume();
        assertThat(EmbeddedRedis.answersPing(redis.port())).isTrue();
        assertThat(pid(Infra.Server.MARIADB)).isEqualTo(db);
    }

    @Test
    void theBrokerIsAProcessOfItsOwnAndKeepsMessagesThroughStopAndSigkill() throws Exception {
        ServerProcess kafka = infra.server(Infra.Server.KAFKA).orElseThrow();
        String bootstrap = infra.endpoints().kafkaBootstrap();
        assertThat(kafka.pid()).get().isNotEqualTo(ProcessHandle.current().pid());
        KafkaTopics.ensure(bootstrap, List.of("kedai.control.v1"), 1);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                "acks", "all"), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("kedai.control.v1", "k", "before")).get();
        }

        kafka.stop();
        kafka.start();
        kafka.kill();
        kafka.start();

        Properties c = new Properties();
        c.putAll(Map.of("bootstrap.servers", bootstrap, "group.id", "control", "auto.offset.reset", "earliest"));
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of("kedai.control.v1"));
            ConsumerRecords<String, String> records = ConsumerRecords.empty();
            for (int i = 0; i < 60 && records.isEmpty(); i++) {
                records = consumer.poll(Duration.ofMillis(500));
            }
            assertThat(records.records("kedai.control.v1")).extracting(r -> r.value()).containsExactly("before");
        }
    }

    private static long pid(Infra.Server server) {
        return infra.server(server).orElseThrow().pid().orElseThrow();
    }

    private static void execute(DbAccount account, String... statements) throws SQLException {
        try (Connection c = DriverManager.getConnection(account.url(), account.user(), account.password());
             Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }

    private static long count(DbAccount account) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", account.user());
        p.setProperty("password", account.password());
        p.setProperty("connectTimeout", "1000");
        p.setProperty("socketTimeout", "1000");
        try (Connection c = DriverManager.getConnection(account.url(), p);
             Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT COUNT(*) FROM kept")) {
            r.next();
            return r.getLong(1);
        }
    }
}

package dev.kedai.platform.events;

import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.kedai.infra.ChildJvm;
import dev.kedai.infra.DbAccount;
import dev.kedai.infra.InfraEndpoints;
import dev.kedai.infra.KafkaTopics;
import dev.kedai.infra.ProcessSpawner;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.db.Database;
import dev.kedai.platform.db.TestDatabases;
import dev.kedai.platform.db.Transactions;

import io.helidon.dbclient.DbClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static dev.kedai.platform.events.TestEvents.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The relay against real MariaDB and Kafka: no lock held while Kafka is slow; one publisher at a time; a standby takes over in seconds. */
class OutboxRelayTest {

    private final InfraEndpoints infra = TestInfra.get();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private DbAccount account;
    private Database database;
    private DbClient db;
    private Transactions transactions;
    private String topic;
    private TestEvents events;

    @BeforeEach
    void setUp() {
        account = TestInfra.newDatabase("platrelay");
        database = Database.start(TestDatabases.dbConfig(account, TestDatabases.TEST_MIGRATIONS));
        db = database.client();
        transactions = Transactions.create(db, "relay-test");
        topic = "test.relay." + UUID.randomUUID();
        KafkaTopics.ensure(infra.kafkaBootstrap(), List.of(topic), 3);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeables.reversed()) {
            c.close();
        }
        database.close();
    }

    /**
     * Kafka does not answer (no broker at the address): while the relay waits for it, transactions
     * that write outbox rows — every checkout, reservation and payment — commit without waiting
     * (each would fail after 1 s of lock wait otherwise). Fails with the relay that kept its
     * locking scan's transaction open until Kafka answered.
     */
    @Test
    void writersAreNeverBlockedWhileTheRelayWaitsForKafka() throws Exception {
        append("p-0", 1);
        OutboxRelay relay = OutboxRelay.builder(db, "127.0.0.1:" + freePort())
                .pollInterval(Duration.ofMillis(20)).batchSize(100)
                .producerProperty("max.block.ms", 30_000)
                .build();
        closeables.add(relay);
        relay.start();
        // claimed: the relay is past its claim and waiting for Kafka
        await().atMost(WAIT).until(() -> TestEvents.count(db,
                "SELECT COUNT(*) AS n FROM outbox WHERE claimed_by IS NOT NULL") == 1);

        try (Connection writer = DriverManager.getConnection(account.url(), account.user(), account.password());
             Statement session = writer.createStatement();
             PreparedStatement insert = writer.prepareStatement(
                     "INSERT INTO outbox (event_id, topic, event_key, event_type, source, event_time, payload)"
                             + " VALUES (?, ?, ?, 'kedai.test.Thing', 'kedai-test', '2026-11-21T10:00:00Z', x'00')")) {
            session.execute("SET SESSION innodb_lock_wait_timeout = 1");
            writer.setAutoCommit(false);
            for (int i = 0; i < 20; i++) {
                insert.setString(1, UUID.randomUUID().toString());
                insert.setString(2, topic);
                insert.setString(3, "p-" + i);
                insert.executeUpdate();
                writer.commit();   // a lock wait timeout would throw here
            }
        }
        assertThat(relay.backlog()).isEqualTo(21);
        assertThat(relay.leader()).isTrue();
    }

    /**
     * Two relays on one outbox, the first stopped halfway: every event reaches Kafka exactly once,
     * and the events of each key in the order they were written. Fails without the lease (both
     * relays publish batches side by side and the events of a key overtake each other).
     */
    @Test
    void twoRelaysPublishEachEventOnceAndKeepTheOrderOfEachKey() throws Exception {
        OutboxRelay first = relay("relay-a");
        OutboxRelay second = relay("relay-b");
        first.start();
        second.start();
        List<String> written = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            written.addAll(append("k" + (i % 12), 1));
        }
        await().atMost(WAIT).until(() -> events().count(topic) >= 150);
        first.stop();
        for (int i = 300; i < 600; i++) {
            written.addAll(append("k" + (i % 12), 1));
        }
        await().atMost(WAIT).until(() -> second.backlog() == 0);

        List<ConsumerRecord<String, byte[]>> onTheWire = events().readAll(topic, 600);
        List<String> ids = onTheWire.stream().map(r -> TestEvents.header(r, CloudEvents.ID)).toList();
        assertThat(ids).as("each event once").hasSize(600).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(written);
        Map<String, List<String>> byKey = new HashMap<>();
        onTheWire.forEach(r -> byKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(TestEvents.header(r, CloudEvents.ID)));
        for (var e : byKey.entrySet()) {
            List<String> inWriteOrder = written.stream().filter(new HashSet<>(e.getValue())::contains).toList();
            assertThat(e.getValue()).as("order of key %s", e.getKey()).containsExactlyElementsOf(inWriteOrder);
        }
    }

    /**
     * The relay holding the lease is killed with kill -9 (a replica crashing: no hand-back): the
     * standby publishes what follows within seconds, not after a minute. Fails with the 60 s lease
     * (watched: the standby stayed idle past the bound).
     */
    @Test
    void aStandbyPublishesWithinSecondsWhenTheHolderIsKilled() throws Exception {
        ProcessBuilder command = new ProcessBuilder(ChildJvm.command(List.of("-Xmx96m", "-XX:+UseSerialGC"),
                RelayMain.class, List.of(account.url(), account.user(), account.password(), infra.kafkaBootstrap(),
                                         "relay-killed")))
                .redirectErrorStream(true).redirectOutput(new java.io.File("target/relay-main.log"));
        Process killed = ProcessSpawner.start(command);
        try {
            String before = append("before", 1).getFirst();
            await().atMost(WAIT).until(() -> idsOnTheWire().contains(before));
            assertThat(holder()).isEqualTo("relay-killed");
            OutboxRelay standby = OutboxRelay.builder(db, infra.kafkaBootstrap()).relayId("relay-standby").build();
            closeables.add(standby);
            standby.start();
        } finally {
            killed.destroyForcibly();   // SIGKILL: the lease is not handed back, it has to lapse
            killed.waitFor();
        }
        String after = append("after", 1).getFirst();

        // the default lease (5 s) plus a standby's look (1 s), with room for a loaded machine
        await().atMost(Duration.ofSeconds(20)).until(() -> idsOnTheWire().contains(after));
        assertThat(holder()).isEqualTo("relay-standby");
    }

    /**
     * Kafka stores the event but its ack comes back later than the lease: the holder renews the
     * lease while it waits, so the standby neither takes over nor publishes the event again. Fails
     * without the renewal (the standby takes the lapsed lease and publishes the claimed row twice).
     */
    @Test
    void aHolderWaitingForAcksLongerThanTheLeaseKeepsIt() throws Exception {
        Duration lease = Duration.ofSeconds(2);
        HeldAcks.hold();
        OutboxRelay slow = OutboxRelay.builder(db, infra.kafkaBootstrap()).relayId("relay-slow").lease(lease)
                .pollInterval(Duration.ofMillis(20)).producerProperty("interceptor.classes", HeldAcks.class.getName())
                .build();
        closeables.add(slow);
        slow.start();
        await().atMost(WAIT).until(() -> "relay-slow".equals(holder()));
        OutboxRelay standby = OutboxRelay.builder(db, infra.kafkaBootstrap()).relayId("relay-standby").lease(lease).build();
        closeables.add(standby);
        standby.start();
        try {
            String id = append("slow", 1).getFirst();
            await().atMost(WAIT).until(HeldAcks::holding);
            String leaseAtSend = TestEvents.text(db, "SELECT DATE_FORMAT(lease_until, '%Y-%m-%d %H:%i:%s.%f') AS t"
                    + " FROM outbox_relay_lease WHERE id = 1");
            // past the lease it had when it sent, and the standby's look after it
            await().atMost(WAIT).until(() -> TestEvents.count(db, "SELECT CURRENT_TIMESTAMP(6) > ? + INTERVAL ? MICROSECOND AS n",
                    leaseAtSend, lease.toNanos() / 1_000) == 1);

            assertThat(holder()).isEqualTo("relay-slow");
            assertThat(standby.leader()).isFalse();
            HeldAcks.release();
            await().atMost(WAIT).until(() -> slow.backlog() == 0);
            assertThat(events().readAll(topic, 1)).extracting(r -> TestEvents.header(r, CloudEvents.ID))
                    .as("published once").containsExactly(id);
        } finally {
            HeldAcks.release();
        }
    }

    private String holder() {
        return TestEvents.text(db, "SELECT holder AS t FROM outbox_relay_lease WHERE id = 1");
    }

    /** The ids of the events on the topic now. */
    private List<String> idsOnTheWire() {
        return events().readAll(topic, 0).stream().map(r -> TestEvents.header(r, CloudEvents.ID)).toList();
    }

    private OutboxRelay relay(String id) {
        OutboxRelay relay = OutboxRelay.builder(db, infra.kafkaBootstrap()).relayId(id)
                .pollInterval(Duration.ofMillis(10)).batchSize(20).build();
        closeables.add(relay);
        return relay;
    }

    private TestEvents events() {
        if (events == null) {
            events = new TestEvents(infra.kafkaBootstrap());
            closeables.add(events);
        }
        return events;
    }

    /** {@code n} events of {@code key}, in one transaction each; their ids in write order. */
    private List<String> append(String key, int n) {
        Outbox outbox = new Outbox("kedai-test");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(transactions.inTransaction(tx -> outbox.append(tx, topic, key, TestEvents.created(key))));
        }
        return ids;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}

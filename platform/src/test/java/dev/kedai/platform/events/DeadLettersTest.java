package dev.kedai.platform.events;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.kedai.contracts.Topics;
import dev.kedai.infra.InfraEndpoints;
import dev.kedai.infra.KafkaTopics;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.db.Database;
import dev.kedai.platform.db.TestDatabases;

import io.helidon.dbclient.DbClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static dev.kedai.platform.events.TestEvents.CREATED;
import static dev.kedai.platform.events.TestEvents.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** An operator lists the dead letters and replays them once the bug is fixed. */
class DeadLettersTest {

    private final InfraEndpoints infra = TestInfra.get();
    private final String prefix = "test-dlt-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    private Database database;
    private DbClient db;
    private TestEvents events;
    private EventConsumer consumer;
    private String topic;
    private final String group = "g-" + UUID.randomUUID();

    @BeforeEach
    void setUp() {
        database = TestDatabases.start("platdlt");
        db = database.client();
        topic = prefix + "kedai.test.v1";
        KafkaTopics.ensure(infra.kafkaBootstrap(), List.of(topic), 1);
        events = new TestEvents(infra.kafkaBootstrap());
    }

    @AfterEach
    void tearDown() {
        if (consumer != null) {
            consumer.close();
        }
        events.close();
        database.close();
    }

    /** Poison event → .dlt → the fix is deployed → replay → applied exactly once (a second replay changes nothing). */
    @Test
    void aDeadLetterReplayedAfterTheFixIsAppliedExactlyOnce() {
        AtomicBoolean fixed = new AtomicBoolean(false);
        consumer = EventConsumer.builder(db, infra.kafkaBootstrap(), group).topics(topic)
                .maxAttempts(2).backoff(Duration.ofMillis(10))
                .handler(CREATED, (tx, event) -> {
                    if (event.key().equals("poison") && !fixed.get()) {
                        throw new IllegalArgumentException("a bug in this handler");
                    }
                    TestEvents.recordEffect(tx, event);
                }).build().start();
        String poison = events.produce(topic, 0, "poison", UUID.randomUUID().toString(), CREATED,
                                       TestEvents.created("poison").toByteArray());
        events.produceCreated(topic, "fine");
        await().atMost(WAIT).until(() -> effects("fine") == 1);
        await().atMost(WAIT).until(() -> events.count(Topics.deadLetter(topic)) == 1);

        try (DeadLetters letters = new DeadLetters(infra.kafkaBootstrap(), prefix)) {
            List<DeadLetters.DeadLetter> pending = letters.list(Optional.empty(), false);
            assertThat(pending).singleElement().satisfies(l -> {
                assertThat(l.eventId()).isEqualTo(poison);
                assertThat(l.originalTopic()).isEqualTo(topic);
                assertThat(l.attempts()).isEqualTo("2");
                assertThat(l.error()).contains("a bug in this handler");
                assertThat(l.pending()).isTrue();
            });
            assertThat(effects("poison")).isZero();

            fixed.set(true);
            assertThat(letters.replay(Optional.of("kedai.test.v1"), Optional.empty(), false).sent()).isEqualTo(1);
            await().atMost(WAIT).until(() -> effects("poison") == 1);
            assertThat(letters.list(Optional.empty(), false)).as("nothing pending after the replay").isEmpty();
            assertThat(letters.list(Optional.empty(), true)).singleElement()
                    .satisfies(l -> assertThat(l.pending()).isFalse());

            // replayed again, one by id: the consumer skips an id it applied
            assertThat(letters.replay(Optional.empty(), Optional.of(poison), false).sent()).isEqualTo(1);
            long end = events.count(topic);
            await().atMost(WAIT).until(() -> events.committed(group, topic) == end);
            assertThat(effects("poison")).isEqualTo(1);
        }
    }

    /** The command line: list, dry run, replay; usage errors exit 2. */
    @Test
    void theCommandLineListsAndReplays() {
        events.produce(Topics.deadLetter(topic), 0, "k", UUID.randomUUID().toString(), CREATED,
                       TestEvents.created("k").toByteArray());
        String bootstrap = infra.kafkaBootstrap();
        assertThat(run("list", "--bootstrap", bootstrap, "--prefix", prefix)).contains("PENDING", "key=k", "1 dead letter(s) pending");
        assertThat(run("replay", "--dry-run", "--bootstrap", bootstrap, "--prefix", prefix)).contains("would replay");
        assertThat(run("replay", "--bootstrap", bootstrap, "--prefix", prefix)).contains("1 dead letter(s) replayed");
        assertThat(run("list", "--bootstrap", bootstrap, "--prefix", prefix)).contains("0 dead letter(s) pending");
        assertThat(events.count(topic)).isEqualTo(1);
        assertThat(DeadLetters.run(new String[] {"purge"}, new PrintStream(new ByteArrayOutputStream()),
                                   new PrintStream(new ByteArrayOutputStream()))).isEqualTo(2);
    }

    private static String run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = DeadLetters.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                                     new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).as("exit status; stderr: %s", err.toString(StandardCharsets.UTF_8)).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    private long effects(String key) {
        return TestEvents.count(db, "SELECT COUNT(*) AS n FROM effects WHERE event_key = ?", key);
    }
}

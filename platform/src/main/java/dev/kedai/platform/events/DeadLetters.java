package dev.kedai.platform.events;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.kedai.contracts.Topics;
import io.helidon.config.Config;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Lists and replays dead letters: the records {@link EventConsumer} sent to {@code <topic>.dlt}
 * because they failed deterministically. A replay publishes each pending dead letter again to
 * its original topic (same key, payload and CloudEvents headers, so the same {@code ce_id}; without
 * {@code kedai_error}/{@code kedai_attempts}; with {@code kedai_replayed_from}), then remembers
 * how far it got as the offsets of the consumer group {@value #REPLAY_GROUP} on the {@code .dlt}
 * topics: a dead letter is <em>pending</em> until a replay has sent it. Consumers skip an event id
 * they already applied, so replaying twice is harmless.
 *
 * <p>Also a command line, in every service image and behind {@code ./kedai dlt}:
 * <pre>
 * java -cp @/app/jib-classpath-file dev.kedai.platform.events.DeadLetters list [--all] [--topic T]
 * java -cp @/app/jib-classpath-file dev.kedai.platform.events.DeadLetters replay [--topic T] [--id CE_ID] [--dry-run]
 * </pre>
 * (options: {@code dlt-usage.txt} beside this class)
 * {@code --bootstrap} and {@code --prefix} default to the service's {@code kafka.bootstrap-servers}
 * and {@code kafka.topic-prefix} (environment, system properties, application.yaml), so inside a
 * pod nothing else is needed. See docs/operations.md.
 */
public final class DeadLetters implements AutoCloseable {

    /** The group whose committed offsets on the {@code .dlt} topics mark what was replayed. */
    public static final String REPLAY_GROUP = "kedai-dlt-replay";
    /** Added to a replayed record: {@code <dlt topic>/<partition>@<offset>}. */
    public static final String REPLAYED_FROM = "kedai_replayed_from";

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /**
     * One dead letter.
     *
     * @param topic     the dead-letter topic ({@code <original>.dlt})
     * @param pending   not replayed yet
     * @param attempts  {@code kedai_attempts}
     * @param error     {@code kedai_error}: why it was dead-lettered
     * @param at        when it was dead-lettered
     */
    public record DeadLetter(String topic, int partition, long offset, boolean pending, String key, String eventId,
                             String type, String attempts, String error, Instant at) {

        /** The topic it came from and a replay sends it back to. */
        public String originalTopic() {
            return topic.substring(0, topic.length() - Topics.DEAD_LETTER_SUFFIX.length());
        }
    }

    private final String bootstrapServers;
    private final String topicPrefix;
    private final Admin admin;

    /**
     * @param topicPrefix only {@code .dlt} topics starting with it ({@code kafka.topic-prefix}; empty: all)
     */
    public DeadLetters(String bootstrapServers, String topicPrefix) {
        this.bootstrapServers = bootstrapServers;
        this.topicPrefix = topicPrefix;
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        this.admin = Admin.create(p);
    }

    /** The dead-letter topics ({@code *.dlt} under the prefix), or just {@code <topic>.dlt}. */
    public List<String> topics(Optional<String> topic) {
        try {
            return admin.listTopics(new ListTopicsOptions().listInternal(false)).names()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).stream()
                    .filter(t -> t.endsWith(Topics.DEAD_LETTER_SUFFIX) && t.startsWith(topicPrefix))
                    .filter(t -> topic.isEmpty() || t.equals(deadLetterTopic(topic.get())))
                    .sorted()
                    .toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot list the topics of " + bootstrapServers + ": " + e, e);
        }
    }

    /** A topic as given ({@code kedai.stock.stock.v1} or its {@code .dlt}), as its dead-letter topic with the prefix. */
    private String deadLetterTopic(String given) {
        String t = given.startsWith(topicPrefix) ? given : topicPrefix + given;
        return t.endsWith(Topics.DEAD_LETTER_SUFFIX) ? t : Topics.deadLetter(t);
    }

    /** The pending dead letters (all of them, replayed ones too, with {@code all}), oldest first per partition. */
    public List<DeadLetter> list(Optional<String> topic, boolean all) {
        List<DeadLetter> out = new ArrayList<>();
        read(topics(topic), all, (record, pending) -> out.add(toDeadLetter(record, pending)));
        return out;
    }

    /** What a replay did. */
    public record Replayed(int sent, List<DeadLetter> letters) {
    }

    /**
     * Sends the pending dead letters of {@code topic} (empty: of all) back to their topics and marks
     * them replayed; or, with {@code eventId}, the dead letters of that event, pending or not, and
     * marks nothing (a later full replay may send it again, which its consumer skips).
     */
    public Replayed replay(Optional<String> topic, Optional<String> eventId, boolean dryRun) {
        List<String> dlts = topics(topic);
        List<ConsumerRecord<String, byte[]>> chosen = new ArrayList<>();
        // one event is looked for among all dead letters, replayed or not
        Map<TopicPartition, Long> ends = read(dlts, eventId.isPresent(), (record, pending) -> {
            if (eventId.isEmpty() ? pending : eventId.get().equals(header(record, CloudEvents.ID))) {
                chosen.add(record);
            }
        });
        List<DeadLetter> letters = chosen.stream().map(r -> toDeadLetter(r, true)).toList();
        if (dryRun || (chosen.isEmpty() && eventId.isPresent())) {
            return new Replayed(0, letters);
        }
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaClients.producer(bootstrapServers, Map.of()))) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> r : chosen) {
                Headers headers = new RecordHeaders(r.headers().toArray());
                headers.remove(CloudEvents.ERROR);
                headers.remove(CloudEvents.ATTEMPTS);
                headers.remove(REPLAYED_FROM);
                headers.add(REPLAYED_FROM, (r.topic() + "/" + r.partition() + "@" + r.offset()).getBytes(StandardCharsets.UTF_8));
                String original = r.topic().substring(0, r.topic().length() - Topics.DEAD_LETTER_SUFFIX.length());
                acks.add(producer.send(new ProducerRecord<>(original, null, r.key(), r.value(), headers)));
            }
            for (Future<RecordMetadata> ack : acks) {
                ack.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Kafka did not take the replayed records (nothing marked replayed): " + e, e);
        }
        if (eventId.isEmpty() && !ends.isEmpty()) {
            try (KafkaConsumer<String, byte[]> c = consumer()) {
                Map<TopicPartition, OffsetAndMetadata> replayed = new HashMap<>();
                ends.forEach((tp, end) -> replayed.put(tp, new OffsetAndMetadata(end)));
                c.commitSync(replayed, TIMEOUT);
            }
        }
        return new Replayed(chosen.size(), letters);
    }

    @FunctionalInterface
    private interface Visitor {
        void visit(ConsumerRecord<String, byte[]> record, boolean pending);
    }

    /** Reads the topics up to their end as of now; returns those ends. */
    private Map<TopicPartition, Long> read(List<String> dlts, boolean all, Visitor visitor) {
        Map<TopicPartition, Long> ends = new HashMap<>();
        if (dlts.isEmpty()) {
            return ends;
        }
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String t : dlts) {
                for (PartitionInfo p : c.partitionsFor(t, TIMEOUT)) {
                    partitions.add(new TopicPartition(t, p.partition()));
                }
            }
            c.assign(partitions);
            ends.putAll(c.endOffsets(partitions, TIMEOUT));
            Map<TopicPartition, OffsetAndMetadata> replayed = c.committed(new java.util.HashSet<>(partitions), TIMEOUT);
            Map<TopicPartition, Long> from = new HashMap<>();
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata done = replayed.get(tp);
                from.put(tp, done == null ? 0L : done.offset());
                if (all) {
                    c.seekToBeginning(List.of(tp));
                } else if (done != null) {
                    c.seek(tp, done.offset());
                } else {
                    c.seekToBeginning(List.of(tp));
                }
            }
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!caughtUp(c, partitions, ends)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read the dead-letter topics to their end within " + TIMEOUT);
                }
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() < ends.get(tp)) {
                        visitor.visit(r, r.offset() >= from.get(tp));
                    }
                }
            }
        }
        ends.entrySet().removeIf(e -> e.getValue() == 0);
        return ends;
    }

    private static boolean caughtUp(KafkaConsumer<String, byte[]> c, Collection<TopicPartition> partitions,
                                    Map<TopicPartition, Long> ends) {
        for (TopicPartition tp : partitions) {
            if (c.position(tp, TIMEOUT) < ends.get(tp)) {
                return false;
            }
        }
        return true;
    }

    private KafkaConsumer<String, byte[]> consumer() {
        return new KafkaConsumer<>(KafkaClients.consumer(bootstrapServers, REPLAY_GROUP,
                Map.of("client.id", "kedai-dlt-" + UUID.randomUUID())));
    }

    private static DeadLetter toDeadLetter(ConsumerRecord<String, byte[]> r, boolean pending) {
        return new DeadLetter(r.topic(), r.partition(), r.offset(), pending, r.key(), header(r, CloudEvents.ID),
                              header(r, CloudEvents.TYPE), header(r, CloudEvents.ATTEMPTS), header(r, CloudEvents.ERROR),
                              Instant.ofEpochMilli(r.timestamp()));
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }

    // ---- command line

    /** The usage text, a plain file the {@code kedai} script prints as well (before anything is built). */
    static final String USAGE = usage();

    private static String usage() {
        try (java.io.InputStream in = DeadLetters.class.getResourceAsStream("dlt-usage.txt")) {
            return new String(Objects.requireNonNull(in, "dlt-usage.txt").readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line; returns its exit status (0 done, 1 failed, 2 usage). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        String command = args[0];
        Map<String, String> options = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--all", "--dry-run" -> options.put(a, "true");
                case "--topic", "--id", "--bootstrap", "--prefix" -> {
                    if (i + 1 >= args.length) {
                        err.println("DeadLetters: " + a + " needs a value\n" + USAGE);
                        return 2;
                    }
                    options.put(a, args[++i]);
                }
                default -> {
                    err.println("DeadLetters: unknown option " + a + "\n" + USAGE);
                    return 2;
                }
            }
        }
        if (!command.equals("list") && !command.equals("replay")) {
            err.println("DeadLetters: unknown command " + command + "\n" + USAGE);
            return 2;
        }
        String bootstrap = options.get("--bootstrap");
        String prefix = options.get("--prefix");
        if (bootstrap == null || prefix == null) {
            Config config = Config.create();
            if (bootstrap == null) {
                bootstrap = config.get("kafka.bootstrap-servers").asString().orElse(null);
            }
            if (prefix == null) {
                prefix = config.get("kafka.topic-prefix").asString().orElse("");
            }
        }
        if (bootstrap == null) {
            err.println("DeadLetters: no Kafka: give --bootstrap HOST:PORT or set kafka.bootstrap-servers");
            return 2;
        }
        Optional<String> topic = Optional.ofNullable(options.get("--topic"));
        try (DeadLetters letters = new DeadLetters(bootstrap, prefix)) {
            if (command.equals("list")) {
                List<DeadLetter> list = letters.list(topic, options.containsKey("--all"));
                list.forEach(l -> out.println(line(l)));
                out.println(list.size() + " dead letter(s)" + (options.containsKey("--all") ? "" : " pending")
                                    + " in " + letters.topics(topic).size() + " dead-letter topic(s)");
            } else {
                boolean dryRun = options.containsKey("--dry-run");
                Replayed replayed = letters.replay(topic, Optional.ofNullable(options.get("--id")), dryRun);
                replayed.letters().forEach(l -> out.println((dryRun ? "would replay " : "replayed ") + line(l)));
                out.println(dryRun ? replayed.letters().size() + " dead letter(s) would be replayed"
                                    : replayed.sent() + " dead letter(s) replayed");
            }
            return 0;
        } catch (RuntimeException e) {
            err.println("DeadLetters: " + e.getMessage());
            return 1;
        }
    }

    private static String line(DeadLetter l) {
        return String.format("%s %s/%d@%d key=%s id=%s type=%s attempts=%s at=%s error=%s",
                             l.pending() ? "PENDING " : "replayed", l.topic(), l.partition(), l.offset(), l.key(),
                             l.eventId(), l.type(), l.attempts(), l.at(), l.error());
    }
}

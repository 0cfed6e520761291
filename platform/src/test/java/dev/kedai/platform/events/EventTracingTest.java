package dev.kedai.platform.events;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import dev.kedai.infra.InfraEndpoints;
import dev.kedai.infra.KafkaTopics;
import dev.kedai.infra.TestInfra;
import dev.kedai.infra.otlp.OtlpReceiver;
import dev.kedai.infra.otlp.ReceivedSpan;
import dev.kedai.platform.db.Database;
import dev.kedai.platform.db.TestDatabases;
import dev.kedai.platform.db.Transactions;
import dev.kedai.platform.observe.Tracing;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.IdGenerator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static dev.kedai.platform.events.TestEvents.WAIT;
import static dev.kedai.platform.events.TestEvents.created;
import static dev.kedai.platform.events.TestEvents.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Kafka leg of a trace, with real MariaDB, Kafka and an OTLP receiver on a socket: an event
 * written inside a request's trace is published in a send span that the record names in
 * {@code traceparent}, and the consumer applies it in a process span of the same trace. The
 * request's caller sent a {@code tracestate}, which travels the same way.
 */
class EventTracingTest {

    private static final String CALLER_STATE = "congo=t61rcWkgMzE";

    private final InfraEndpoints infra = TestInfra.get();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final Map<String, Optional<String>> traceSeenByHandler = new ConcurrentHashMap<>();
    private OtlpReceiver receiver;
    private Database database;
    private String topic;

    @BeforeEach
    void setUp() {
        receiver = OtlpReceiver.start(0, 100);
        database = TestDatabases.start("eventtrace");
        topic = "test.traced." + UUID.randomUUID();
        KafkaTopics.ensure(infra.kafkaBootstrap(), List.of(topic), 1);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeables.reversed()) {
            c.close();
        }
        database.close();
        receiver.close();
    }

    private Config config(String service, boolean tracing) {
        Map<String, String> m = new HashMap<>(Map.of(
                "service.name", service,
                "kafka.bootstrap-servers", infra.kafkaBootstrap(),
                "tracing.enabled", String.valueOf(tracing),
                "tracing.endpoint", receiver.endpoint(),
                "tracing.batch-delay", "PT0.05S"));
        return Config.just(ConfigSources.create(m));
    }

    private void startRelay(Config root) {
        OutboxRelay relay = OutboxRelay.builder(database.client(), infra.kafkaBootstrap())
                .pollInterval(Duration.ofMillis(50)).tracing(Tracing.of(root)).build().start();
        closeables.add(relay);
    }

    private void startConsumer(Config root) {
        EventConsumer consumer = EventConsumer.builder(database.client(), infra.kafkaBootstrap(), "traced-" + UUID.randomUUID())
                .topics(topic)
                .tracing(Tracing.of(root))
                .handler(TestEvents.CREATED, (tx, event) -> {
                    traceSeenByHandler.put(event.key(), Tracing.currentTraceId());
                    TestEvents.recordEffect(tx, event);
                })
                .build().start();
        closeables.add(consumer);
    }

    private List<ReceivedSpan> awaitTrace(String traceId, int spans) {
        return await().atMost(WAIT).until(() -> receiver.store().trace(traceId).orElse(List.of()), s -> s.size() >= spans);
    }

    private static ReceivedSpan only(List<ReceivedSpan> spans, String service, String kind) {
        List<ReceivedSpan> found = spans.stream().filter(s -> s.service().equals(service) && s.kind().equals(kind)).toList();
        assertThat(found).as(service + " " + kind + " in " + spans).hasSize(1);
        return found.getFirst();
    }

    private ConsumerRecord<String, byte[]> read() {
        try (TestEvents events = new TestEvents(infra.kafkaBootstrap())) {
            return events.readAll(topic, 1).getFirst();
        }
    }

    /**
     * Appends one event in a transaction run inside a request's SERVER span, whose caller sent
     * {@link #CALLER_STATE}; returns the trace id.
     */
    private String appendInRequest(Config root, String key) {
        Tracing tracing = Tracing.of(root);
        IdGenerator ids = IdGenerator.random();
        SpanContext caller = SpanContext.createFromRemoteParent(ids.generateTraceId(), ids.generateSpanId(),
                TraceFlags.getSampled(), TraceState.builder().put("congo", "t61rcWkgMzE").build());
        Span request = tracing.tracer().spanBuilder("POST /things").setSpanKind(SpanKind.SERVER)
                .setParent(Context.root().with(Span.wrap(caller))).startSpan();
        try (var ignored = request.makeCurrent()) {
            Transactions.create(database.client(), root).inTransaction(tx ->
                    new Outbox("kedai-producer").append(tx, topic, key, created(key)));
        } finally {
            request.end();
        }
        return request.getSpanContext().getTraceId();
    }

    @Test
    void anEventContinuesItsRequestsTraceThroughTheRelayToTheConsumer() {
        Config producer = config("producer", true);
        String traceId = appendInRequest(producer, "p-traced");
        assertThat(TestEvents.text(database.client(), "SELECT tracestate AS t FROM outbox WHERE event_key = ?", "p-traced"))
                .as("stored with the event").isEqualTo(CALLER_STATE);
        startRelay(producer);
        startConsumer(config("consumer", true));

        List<ReceivedSpan> spans = awaitTrace(traceId, 4);
        ReceivedSpan tx = only(spans, "producer", "INTERNAL");
        assertThat(tx.name()).isEqualTo("transaction");
        ReceivedSpan send = only(spans, "producer", "PRODUCER");
        assertThat(send.name()).isEqualTo("send " + topic);
        assertThat(send.parentSpanId()).as("the send continues the transaction that wrote the event").isEqualTo(tx.spanId());
        assertThat(send.attributes()).containsEntry("messaging.system", "kafka")
                .containsEntry("messaging.operation.type", "send")
                .containsEntry("messaging.destination.name", topic)
                .containsEntry("messaging.destination.partition.id", "0")
                .containsEntry("messaging.kafka.message.key", "p-traced")
                .containsEntry("cloudevents.event_type", TestEvents.CREATED)
                .containsKey("messaging.kafka.offset");
        ReceivedSpan process = only(spans, "consumer", "CONSUMER");
        assertThat(process.name()).isEqualTo("process " + topic);
        assertThat(process.parentSpanId()).as("the consumer's span is a child of the send").isEqualTo(send.spanId());
        assertThat(process.attributes()).containsEntry("messaging.operation.type", "process")
                .containsEntry("messaging.message.id", send.attributes().get("messaging.message.id"))
                .containsEntry("cloudevents.event_type", TestEvents.CREATED);
        assertThat(process.attributes().get("messaging.consumer.group.name")).startsWith("traced-");
        // the handler ran inside it: its logs carry the trace id
        assertThat(traceSeenByHandler.get("p-traced")).contains(traceId);
        assertThat(List.of(tx, send, process)).extracting(ReceivedSpan::traceState).containsOnly(CALLER_STATE);

        // on the wire: W3C headers and the CloudEvents extension, naming the send span
        ConsumerRecord<String, byte[]> record = read();
        assertThat(header(record, "traceparent")).startsWith("00-" + traceId + "-" + send.spanId() + "-");
        assertThat(header(record, "ce_traceparent")).isEqualTo(header(record, "traceparent"));
        assertThat(header(record, "tracestate")).isEqualTo(CALLER_STATE);
        assertThat(header(record, "ce_tracestate")).isEqualTo(CALLER_STATE);
    }

    @Test
    void aRelayWithTracingOffStillPassesTheStoredContextOn() {
        String traceId = appendInRequest(config("producer", true), "p-passed");
        startRelay(config("producer", false));
        startConsumer(config("consumer", true));

        await().atMost(WAIT).until(() -> traceSeenByHandler.containsKey("p-passed"));
        assertThat(traceSeenByHandler.get("p-passed")).contains(traceId);
        List<ReceivedSpan> spans = awaitTrace(traceId, 3);
        assertThat(spans).noneMatch(s -> s.kind().equals("PRODUCER"));
        ReceivedSpan tx = only(spans, "producer", "INTERNAL");
        ReceivedSpan process = only(spans, "consumer", "CONSUMER");
        assertThat(process.parentSpanId()).isEqualTo(tx.spanId());
        assertThat(process.traceState()).as("the stored tracestate is passed on too").isEqualTo(CALLER_STATE);
        assertThat(header(read(), "tracestate")).isEqualTo(CALLER_STATE);
    }

    @Test
    void anEventWrittenOutsideATraceStartsNone() {
        Config producer = config("producer", true);
        Transactions.create(database.client(), producer).inTransaction(tx ->
                new Outbox("kedai-producer").append(tx, topic, "p-untraced", created("p-untraced")));
        startRelay(producer);
        startConsumer(config("consumer", true));

        await().atMost(WAIT).until(() -> traceSeenByHandler.containsKey("p-untraced"));
        assertThat(traceSeenByHandler.get("p-untraced")).isEmpty();
        assertThat(header(read(), "traceparent")).isNull();
        Tracing.of(producer).flush();
        Tracing.of(config("consumer", true)).flush();
        assertThat(receiver.store().all()).as("no span: a poll loop's event opens no trace").isEmpty();
    }
}

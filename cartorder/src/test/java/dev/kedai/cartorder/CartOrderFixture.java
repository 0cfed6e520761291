package dev.kedai.cartorder;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.Message;
import dev.kedai.contracts.Topics;
import dev.kedai.infra.DbAccount;
import dev.kedai.infra.KafkaTopics;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.events.CloudEvents;
import dev.kedai.platform.grpc.DefaultDeadline;
import dev.kedai.platform.security.TestTokens;
import dev.kedai.platform.server.KedaiServer;
import dev.kedai.platform.testing.QueryPlans;
import dev.kedai.platform.testing.TestHttp;
import dev.kedai.platform.testing.TestIdentities;
import dev.kedai.platform.testing.TestServiceConfig;
import dev.kedai.proto.cartorder.v1.AddItemRequest;
import dev.kedai.proto.cartorder.v1.CartServiceGrpc;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import static dev.kedai.platform.testing.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * cartorder started in-process against the test infrastructure, with its peers (product, stock,
 * user) as contract-level doubles over real gRPC sockets, the sandbox payment provider, a gRPC
 * client of its CartService and helpers to read its database and publish events to it.
 */
final class CartOrderFixture implements AutoCloseable {

    private static CartOrderFixture shared;

    final TestTokens tokens = TestTokens.start();
    final PeerDoubles peers = new PeerDoubles();
    final SandboxPaymentGateway gateway = new SandboxPaymentGateway();
    final GatewayHooks hooks = new GatewayHooks(gateway);
    final DbAccount db;
    volatile KedaiServer server;
    volatile TestHttp http;
    volatile CartServiceGrpc.CartServiceBlockingStub cart;
    volatile Checkout.AfterReserve afterReserve = orderId -> { };
    /** Runs when a checkout finds its key's first checkout still running and waits for it. */
    volatile Runnable waitingForInFlight = () -> { };
    private final Map<String, String> config = new HashMap<>();
    private volatile ManagedChannel channel;
    private final KafkaProducer<String, byte[]> producer;

    /** One fixture for the test classes that do not break peers; stopped when the JVM exits. */
    static synchronized CartOrderFixture shared() {
        if (shared == null) {
            shared = new CartOrderFixture(Map.of());
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    CartOrderFixture(Map<String, String> extra) {
        KafkaTopics.ensure(TestInfra.get().kafkaBootstrap(), TestServiceConfig.topics(Topics.ALL), 1);
        db = TestInfra.newDatabase("cartorder");
        for (String peer : List.of("product", "stock", "user")) {
            config.put("peers." + peer + ".grpc", "127.0.0.1:" + peers.port(peer));
        }
        config.put("grpc.client.default-deadline", "PT1S");
        config.put("peers.breaker.delay", "PT1S");
        config.put("peers.breaker.volume", "4");
        config.put("peers.breaker.error-ratio", "50");
        config.put("checkout.in-flight-wait", "PT2S");
        config.put("events.group", "cartorder-test-" + UUID.randomUUID());
        config.put("events.retry-backoff", "PT0.05S");
        config.put("outbox.poll-interval", "PT0.05S");
        config.put("retention.interval", "PT0.2S");
        // the shared fixture's tests settle payments themselves; ReconciliationTest runs it often
        config.put("payment.reconcile-interval", "PT1H");
        config.putAll(extra);
        producer = new KafkaProducer<>(producerConfig());
        startServer();
    }

    /**
     * Stops this cartorder and starts another on the same database, peers and payment provider, with
     * {@code extra} config on top: what a process that died leaves behind, and only that, is what
     * the new one finds (the provider's ledger outlives it, as a real provider's would).
     */
    void restart(Map<String, String> extra) {
        channel.shutdownNow();
        server.stop();
        config.putAll(extra);
        startServer();
    }

    /**
     * A second cartorder on this one's database, peers and payment provider, as a second replica
     * runs (its own loops, pools and relay), with {@code extra} config on top; the caller stops it.
     */
    KedaiServer replica(Map<String, String> extra) {
        Map<String, String> replica = new HashMap<>(config);
        replica.put("outbox.relay-id", "cartorder-replica");
        replica.putAll(extra);
        return Main.start(TestServiceConfig.of(db, tokens, replica), hooks, orderId -> { });
    }

    private void startServer() {
        server = Main.start(TestServiceConfig.of(db, tokens, config), hooks, new Checkout.AfterReserve() {
            @Override
            public void run(String orderId) {
                afterReserve.run(orderId);
            }

            @Override
            public void waitingForInFlight(String userId, String key) {
                waitingForInFlight.run();
            }
        });
        http = new TestHttp(server.port());
        channel = TestIdentities.open("stock", "127.0.0.1:" + server.grpcPort().orElseThrow());
        cart = CartServiceGrpc.newBlockingStub(ClientInterceptors.intercept(channel, new DefaultDeadline(java.time.Duration.ofSeconds(5))));
        warmUp();
    }

    // the first calls load classes and open channels: keep that out of the tests' deadlines
    private void warmUp() {
        String user = newId();
        String address = newId();
        peers.address(user, address);
        add(user, product("warm-up", 1), 1);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .until(() -> http.get("/cart", bearer(user)).statusCode() == 200);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .until(() -> checkout(user, newId(), "{\"address_id\":\"" + address + "\"}").statusCode() == 201);
    }

    @Override
    public void close() {
        producer.close();
        channel.shutdownNow();
        server.stop();
        peers.close();
        tokens.close();
    }

    static String newId() {
        return UUID.randomUUID().toString();
    }

    String[] bearer(String userId) {
        return new String[] {"Authorization", "Bearer " + tokens.mint(userId, "customer")};
    }

    /** A product the catalog double sells, with plenty of stock. */
    String product(String name, long price) {
        String id = newId();
        peers.product(id, name, price, true);
        return id;
    }

    void add(String userId, String productId, int quantity) {
        cart.addItem(AddItemRequest.newBuilder().setOperationId(newId()).setUserId(userId)
                             .setProductId(productId).setQuantity(quantity).build());
    }

    HttpResponse<String> checkout(String userId, String key, String body) {
        List<String> headers = new ArrayList<>(List.of(bearer(userId)));
        if (key != null) {
            headers.addAll(List.of("Idempotency-Key", key));
        }
        return http.post("/order", "application/json", body.getBytes(StandardCharsets.UTF_8),
                         headers.toArray(String[]::new));
    }

    /** A user with one product in the cart, checked out: the PENDING_PAYMENT order's id. */
    String placeOrder(String userId, long price) {
        add(userId, product("Kopi", price), 1);
        HttpResponse<String> res = checkout(userId, newId(), "{}");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
        return json(res).get("order_id").asText();
    }

    HttpResponse<String> pay(String userId, String orderId, String token) {
        return http.post("/order/pay", "application/json",
                         ("{\"order_id\":\"" + orderId + "\",\"payment_token\":\"" + token + "\"}")
                                 .getBytes(StandardCharsets.UTF_8), bearer(userId));
    }

    HttpResponse<String> cancel(String userId, String orderId) {
        return http.post("/order/" + orderId + "/cancel", "application/json", new byte[0], bearer(userId));
    }

    /** The indexes MariaDB's plan may use for {@code statement} on its first table (null for none). */
    String indexesFor(String statement, Object... args) {
        return QueryPlans.possibleKeys(db, statement, args);
    }

    /** The first column of the first row of {@code sql}, as a string (null when no row). */
    String query(String sql, Object... args) {
        return query(db, sql, args);
    }

    /** {@link #query(String, Object...)} on the database of {@code db}. */
    static String query(DbAccount db, String sql, Object... args) {
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            if (s.execute()) {
                try (ResultSet r = s.getResultSet()) {
                    return r.next() ? r.getString(1) : null;
                }
            }
            return Integer.toString(s.getUpdateCount());
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first column of the first row of {@code sql}, as bytes (a protobuf payload). */
    byte[] blob(String sql, Object... args) {
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getBytes(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    long count(String sql, Object... args) {
        return Long.parseLong(query(sql, args));
    }

    /** Publishes {@code payload} as a CloudEvent with id {@code ceId}, as a producing service would. */
    void publish(String topic, String key, Message payload, String ceId) {
        publish(producer, topic, key, payload, ceId);
    }

    /** Kafka producer settings for {@link #publish(KafkaProducer, String, String, Message, String)}. */
    static Properties producerConfig() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfra.get().kafkaBootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    /** Publishes {@code payload} with {@code producer} as a CloudEvent with id {@code ceId}, to the tests' topic. */
    static void publish(KafkaProducer<String, byte[]> producer, String topic, String key, Message payload, String ceId) {
        RecordHeaders h = new RecordHeaders();
        h.add(CloudEvents.SPEC_VERSION, utf8("1.0"));
        h.add(CloudEvents.ID, utf8(ceId));
        h.add(CloudEvents.SOURCE, utf8("kedai-test"));
        h.add(CloudEvents.TYPE, utf8(payload.getDescriptorForType().getFullName()));
        h.add(CloudEvents.TIME, utf8(Instant.now().toString()));
        h.add(CloudEvents.CONTENT_TYPE, utf8(CloudEvents.PROTOBUF));
        try {
            producer.send(new ProducerRecord<>(TestServiceConfig.topic(topic), null, key, payload.toByteArray(), h)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

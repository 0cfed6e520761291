package dev.kedai.cartorder;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import dev.kedai.contracts.Topics;
import dev.kedai.infra.DbAccount;
import dev.kedai.infra.KafkaTopics;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.grpc.DefaultDeadline;
import dev.kedai.platform.security.TestTokens;
import dev.kedai.platform.testing.TestHttp;
import dev.kedai.platform.testing.TestIdentities;
import dev.kedai.platform.testing.TestServiceConfig;
import dev.kedai.proto.cartorder.v1.AddItemRequest;
import dev.kedai.proto.cartorder.v1.CartServiceGrpc;
import dev.kedai.proto.stock.v1.ReservationExpired;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static dev.kedai.cartorder.CartOrderFixture.newId;
import static dev.kedai.platform.testing.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The checkout's and the payment's crash windows with a real crash: cartorder runs in a JVM of its
 * own ({@link CartorderProcess}), a seam holds the first call at the crash point, and the test
 * kills the process there with SIGKILL — no shutdown hook, no catch block runs. A new cartorder on
 * the same database, peers (stock, product, user doubles over gRPC) and provider ledger then
 * settles what the dead one left, without any call of the customer.
 */
class CartorderKilledTest {

    private static final Duration SETTLES = Duration.ofSeconds(30);
    /** The restarted process reconciles at once and treats what the dead one left as abandoned. */
    private static final Map<String, String> RECONCILING = Map.of("payment.reconcile-interval", "PT0.2S",
                                                                  "payment.in-flight-window", "PT1S",
                                                                  "checkout.abandoned-after", "PT1S");

    private final PeerDoubles peers = new PeerDoubles();
    private final TestTokens tokens = TestTokens.start();
    private final DbAccount db = TestInfra.newDatabase("cartorder");
    private final Path dir = Path.of("target/cartorder-killed", UUID.randomUUID().toString()).toAbsolutePath();
    private final Path ledger = dir.resolve("sandbox-payments.tsv");
    private final Map<String, String> config = new HashMap<>();
    private final KafkaProducer<String, byte[]> producer = new KafkaProducer<>(CartOrderFixture.producerConfig());
    private CartorderProcess cartorder;
    private TestHttp http;
    private int lives;

    @BeforeEach
    void configure() {
        KafkaTopics.ensure(TestInfra.get().kafkaBootstrap(), TestServiceConfig.topics(Topics.ALL), 1);
        config.putAll(TestServiceConfig.overrides(db, tokens));
        config.putAll(TestIdentities.config("cartorder"));
        for (String peer : List.of("product", "stock", "user")) {
            config.put("peers." + peer + ".grpc", "127.0.0.1:" + peers.port(peer));
        }
        config.put("events.group", "cartorder-killed-" + UUID.randomUUID());
        config.put("events.retry-backoff", "PT0.05S");
        config.put("outbox.poll-interval", "PT0.05S");
        config.put("payment.sandbox.ledger", ledger.toString());
        // the first process settles nothing by itself: what it leaves is the restarted one's job
        config.put("payment.reconcile-interval", "PT1H");
        // the restarted process is the same instance, as a restarted pod or devstack instance is
        config.put("instance.name", "cartorder-killed");
        // a lease far longer than the test: only the restart may end the dead process's
        config.put("checkout.key-lease", "PT2M");
    }

    @AfterEach
    void stop() {
        if (cartorder != null) {
            cartorder.close();
        }
        producer.close();
        peers.close();
        tokens.close();
    }

    /**
     * The fault suite's reservation-without-open-order after kill-cartorder: stock reserved, the
     * process died before storing the order. After the restart the reservation is released, no
     * order is left behind, and the client's retry with its Idempotency-Key orders the cart afresh.
     */
    @Test
    void aCheckoutKilledBetweenReserveAndStoringItsOrderHasItsStockReleasedAfterTheRestart() {
        start(Map.of(), "after-reserve");
        String user = newId();
        add(user, product(), 2);
        String key = newId();
        CompletableFuture<Integer> first = inBackground(() -> checkout(user, key));

        String orderId = cartorder.awaitPause("after-reserve");
        assertThat(peers.holds(orderId)).as("stock reserved for the checkout").isTrue();
        kill();
        assertThat(first.join()).as("the client saw the connection die").isEqualTo(-1);
        assertThat(count("SELECT COUNT(*) FROM orders WHERE order_id = ?", orderId)).isZero();

        start(RECONCILING);
        await().atMost(SETTLES).until(() -> !peers.holds(orderId));
        assertThat(count("SELECT COUNT(*) FROM orders WHERE order_id = ?", orderId)).as("no order stuck").isZero();
        assertThat(count("SELECT COUNT(*) FROM checkout_reservations")).isZero();
        HttpResponse<String> retry = checkout(user, key);
        assertThat(retry.statusCode()).as(retry.body()).isEqualTo(201);
        String reordered = json(retry).get("order_id").asText();
        assertThat(reordered).isNotEqualTo(orderId);
        assertThat(peers.holds(reordered)).isTrue();
        assertThat(count("SELECT COUNT(*) FROM checkout_reservations")).isZero();
    }

    /**
     * The fault suite's 409 "checkout in progress" after kill-cartorder, outside the fault's window:
     * the dead process's claims on the key and the cart outlived it by their lease. The restarted
     * instance ends them before it serves: the client's retry with its key orders at once, with
     * the order id and the reservation the dead process made.
     */
    @Test
    void aKilledCheckoutIsRetriedWithItsKeyAtOnceAfterTheRestart() {
        String user = newId();
        String key = newId();
        String orderId = killMidCheckout(user, key);

        start(Map.of());
        HttpResponse<String> retry = checkout(user, key);
        assertThat(retry.statusCode()).as(retry.body()).isEqualTo(201);
        assertThat(json(retry).get("order_id").asText()).as("the same checkout, carried on").isEqualTo(orderId);
        assertThat(peers.holds(orderId)).isTrue();
    }

    /** ... and the customer who gave up on that key checks the cart out with a new one at once. */
    @Test
    void aKilledCheckoutsCustomerChecksOutWithANewKeyAtOnceAfterTheRestart() {
        String user = newId();
        killMidCheckout(user, newId());

        start(Map.of());
        HttpResponse<String> next = checkout(user, newId());
        assertThat(next.statusCode()).as(next.body()).isEqualTo(201);
    }

    private String killMidCheckout(String user, String key) {
        start(Map.of(), "after-reserve");
        add(user, product(), 2);
        CompletableFuture<Integer> first = inBackground(() -> checkout(user, key));
        String orderId = cartorder.awaitPause("after-reserve");
        kill();
        assertThat(first.join()).as("the client saw the connection die").isEqualTo(-1);
        return orderId;
    }

    /** Issue 13: killed between the provider's charge and recording it → PAID, one charge, no refund. */
    @Test
    void aPayKilledBetweenTheChargeAndRecordingItEndsPaidWithOneCharge() {
        start(Map.of(), "after-charge");
        String user = newId();
        String orderId = placeOrder(user);
        CompletableFuture<Integer> pay = inBackground(() -> pay(user, orderId));

        String attemptId = cartorder.awaitPause("after-charge");
        assertThat(ledger(attemptId)).containsExactly("approved");
        kill();
        assertThat(pay.join()).isEqualTo(-1);
        assertThat(attempt(attemptId)).isEqualTo("PENDING");

        start(RECONCILING);
        await().atMost(SETTLES).until(() -> "PAID".equals(status(orderId)));
        assertThat(attempt(attemptId)).isEqualTo("APPROVED");
        assertThat(pay(user, orderId).statusCode()).as("paying again").isEqualTo(409);
        assertThat(chargesAndRefunds(orderId)).containsExactly(1L, 0L);
        assertThat(count("SELECT COUNT(*) FROM outbox WHERE event_key = ? AND event_type = ?", orderId,
                         "kedai.cartorder.v1.OrderPaid")).isEqualTo(1);
    }

    /**
     * Issue 13: the order was cancelled (its reservation expired) while the provider charged it, so
     * the refund was decided (REFUNDING committed); killed before the provider was asked → after
     * the restart the charge is refunded exactly once and the order stays cancelled.
     */
    @Test
    void aRefundKilledBetweenItsDecisionAndTheProviderCallIsMadeOnceAfterTheRestart() {
        start(Map.of(), "after-charge", "before-refund");
        String user = newId();
        String orderId = placeOrder(user);
        CompletableFuture<Integer> pay = inBackground(() -> pay(user, orderId));

        String attemptId = cartorder.awaitPause("after-charge");
        CartOrderFixture.publish(producer, Topics.STOCK, orderId, ReservationExpired.newBuilder().setOrderId(orderId).build(),
                                 newId());
        await().atMost(SETTLES).until(() -> "CANCELLED".equals(status(orderId)));
        cartorder.resume();
        assertThat(cartorder.awaitPause("before-refund")).isEqualTo(attemptId);
        assertThat(attempt(attemptId)).isEqualTo("REFUNDING");
        kill();
        assertThat(pay.join()).isEqualTo(-1);
        assertThat(ledger(attemptId)).containsExactly("approved");

        start(RECONCILING);
        await().atMost(SETTLES).until(() -> "REFUNDED".equals(attempt(attemptId)));
        assertThat(chargesAndRefunds(orderId)).containsExactly(1L, 1L);
        assertThat(status(orderId)).isEqualTo("CANCELLED");
    }

    private void start(Map<String, String> extra, String... crashAt) {
        config.putAll(extra);
        lives++;
        cartorder = new CartorderProcess(config, List.of(crashAt), dir.resolve("cartorder-" + lives + ".log"));
        http = new TestHttp(cartorder.httpPort);
    }

    private void kill() {
        cartorder.kill();
        assertThat(cartorder.exitCode()).as("killed by SIGKILL (128 + 9)").isEqualTo(137);
    }

    private String product() {
        String id = newId();
        peers.product(id, "Kopi", 10_000, true);
        return id;
    }

    private void add(String userId, String productId, int quantity) {
        ManagedChannel channel = TestIdentities.open("stock", "127.0.0.1:" + cartorder.grpcPort);
        try {
            CartServiceGrpc.newBlockingStub(ClientInterceptors.intercept(channel, new DefaultDeadline(Duration.ofSeconds(10))))
                    .addItem(AddItemRequest.newBuilder().setOperationId(newId()).setUserId(userId)
                                     .setProductId(productId).setQuantity(quantity).build());
        } finally {
            channel.shutdownNow();
        }
    }

    private HttpResponse<String> checkout(String userId, String key) {
        return http.post("/order", "application/json", "{}".getBytes(StandardCharsets.UTF_8), "Authorization",
                         "Bearer " + tokens.mint(userId, "customer"), "Idempotency-Key", key);
    }

    private String placeOrder(String userId) {
        add(userId, product(), 1);
        HttpResponse<String> res = checkout(userId, newId());
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
        return json(res).get("order_id").asText();
    }

    private HttpResponse<String> pay(String userId, String orderId) {
        return http.post("/order/pay", "application/json",
                         ("{\"order_id\":\"" + orderId + "\",\"payment_token\":\"tok_visa\"}").getBytes(StandardCharsets.UTF_8),
                         "Authorization", "Bearer " + tokens.mint(userId, "customer"));
    }

    // the status of a request the process died under: -1 when the connection died with it
    private static CompletableFuture<Integer> inBackground(java.util.function.Supplier<HttpResponse<String>> call) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return call.get().statusCode();
            } catch (RuntimeException e) {
                return -1;
            }
        });
    }

    private String status(String orderId) {
        return query("SELECT status FROM orders WHERE order_id = ?", orderId);
    }

    private String attempt(String attemptId) {
        return query("SELECT status FROM payment_attempts WHERE attempt_id = ?", attemptId);
    }

    /** What the provider's ledger says happened to the attempt, in order ({@code approved}, {@code refund}, ...). */
    private List<String> ledger(String attemptId) {
        return ledgerLines().stream().filter(f -> f[1].equals(attemptId)).map(f -> f[0]).toList();
    }

    /** The order's approved charges and refunds, by the provider's ledger. */
    private List<Long> chargesAndRefunds(String orderId) {
        List<String[]> lines = ledgerLines();
        Set<String> attempts = lines.stream().filter(f -> f[0].equals("approved") && f.length > 2 && f[2].equals(orderId))
                .map(f -> f[1]).collect(Collectors.toSet());
        return List.of((long) attempts.size(),
                       lines.stream().filter(f -> f[0].equals("refund") && attempts.contains(f[1])).count());
    }

    private List<String[]> ledgerLines() {
        try {
            return Files.readAllLines(ledger, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank())
                    .map(l -> l.split("\t", -1)).toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private long count(String sql, Object... args) {
        return Long.parseLong(query(sql, args));
    }

    private String query(String sql, Object... args) {
        return CartOrderFixture.query(db, sql, args);
    }
}

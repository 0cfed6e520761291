package dev.kedai.stock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import dev.kedai.contracts.Topics;
import dev.kedai.infra.DbAccount;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.events.CloudEvents;
import dev.kedai.platform.grpc.DefaultDeadline;
import dev.kedai.platform.security.TestTokens;
import dev.kedai.platform.server.KedaiServer;
import dev.kedai.platform.testing.TestHttp;
import dev.kedai.platform.testing.TestIdentities;
import dev.kedai.platform.testing.TestServiceConfig;
import dev.kedai.proto.stock.v1.CommitRequest;
import dev.kedai.proto.stock.v1.Line;
import dev.kedai.proto.stock.v1.ReleaseRequest;
import dev.kedai.proto.stock.v1.ReservationExpired;
import dev.kedai.proto.stock.v1.ReserveRequest;
import dev.kedai.proto.stock.v1.StockServiceGrpc;
import io.grpc.ClientInterceptors;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.grpc.ManagedChannel;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two stock replicas (two servers in this JVM: each its own sweeper, relay, consumer and pools, one
 * database, Kafka and Redis), as {@code --replicas 2} or the chart's ha profile runs them.
 */
class TwoReplicasTest {
    private static TestTokens tokens;
    private static DbAccount db;
    private static final List<KedaiServer> replicas = new ArrayList<>();
    private static final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeAll
    static void start() {
        tokens = TestTokens.start();
        db = TestInfra.newDatabase("stock");
        for (String name : List.of("stock-a", "stock-b")) {
            // each replica its own relay id, as each pod has its own host name
            replicas.add(Main.start(TestServiceConfig.of(db, tokens, Map.of("stock.reservation.sweep-interval", "PT0.1S",
                    "outbox.relay-id", name))));
        }
    }

    @AfterAll
    static void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        replicas.forEach(KedaiServer::stop);
        if (tokens != null) {
            tokens.close();
        }
    }

    /**
     * Both sweepers run every 0.1 s over the same expired reservations: each is released once (the
     * units come back once, never more) and announced once (one ReservationExpired per order).
     * Reservations are made through both replicas.
     */
    @Test
    void twoSweepersReleaseEachExpiredReservationOnce() {
        int orders = 40;
        String product = StockTestKit.product(db, orders);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < orders; i++) {
            String order = UUID.randomUUID().toString();
            ids.add(order);
            var reserved = stub(i % 2).reserve(ReserveRequest.newBuilder().setOrderId(order).setTtlSeconds(1)
                    .addLines(Line.newBuilder().setProductId(product).setQuantity(1)).build());
            assertThat(reserved.getReserved()).isTrue();
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> "0".equals(StockTestKit.query(db,
                "SELECT COUNT(*) FROM reservations WHERE status = 'RESERVED' AND order_id IN (" + quoted(ids) + ")")));
        assertThat(StockTestKit.query(db, "SELECT CONCAT(on_hand, '/', reserved) FROM stock_levels WHERE product_id = '"
                + product + "'")).as("on hand / reserved").isEqualTo(orders + "/0");

        List<String> expired = expiredEvents(ids);
        assertThat(expired).as("one ReservationExpired per order").hasSize(orders).doesNotHaveDuplicates();
    }

    /**
     * Read-your-writes across replicas with the levels served from memory: a level read (twice, so
     * it is cached) on one replica shows at once every change made through the other — a
     * reservation, an admin's new on-hand, a sale, a release.
     */
    @Test
    void aLevelReadOnOneReplicaShowsEveryChangeMadeThroughTheOtherAtOnce() {
        String product = StockTestKit.product(db, 10);
        TestHttp a = new TestHttp(replicas.get(0).port());
        TestHttp b = new TestHttp(replicas.get(1).port());
        // each replica's tracking connection is up: its second read of a level takes the
        // generation token from its copy, not from Redis
        for (TestHttp replica : List.of(a, b)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                double before = copiesServed();
                assertLevel(replica, product, 10, 0);
                return copiesServed() > before;
            });
        }
        double copiesBefore = copiesServed();

        String first = UUID.randomUUID().toString();
        assertThat(stub(0).reserve(ReserveRequest.newBuilder().setOrderId(first).setTtlSeconds(600)
                .addLines(Line.newBuilder().setProductId(product).setQuantity(3)).build()).getReserved()).isTrue();
        assertLevel(b, product, 10, 3);

        var set = StockTestKit.post(a, "/stock/update", "Bearer " + tokens.mint("admin-1", "admin"),
                "{\"product_id\":\"" + product + "\",\"quantity\":20}");
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
        assertLevel(b, product, 20, 3);

        stub(0).commit(CommitRequest.newBuilder().setOrderId(first).build());
        assertLevel(b, product, 17, 0);

        String second = UUID.randomUUID().toString();
        stub(1).reserve(ReserveRequest.newBuilder().setOrderId(second).setTtlSeconds(600)
                .addLines(Line.newBuilder().setProductId(product).setQuantity(5)).build());
        assertLevel(a, product, 17, 5);
        stub(1).release(ReleaseRequest.newBuilder().setOrderId(second).build());
        assertLevel(a, product, 17, 0);
        assertThat(copiesServed()).as("reads answered from a copy").isGreaterThan(copiesBefore);
    }

    /** Reads of tracked Redis keys answered from this JVM's copies (both replicas). */
    private static double copiesServed() {
        return Metrics.globalRegistry().counter("kedai.redis.copies.lookups", List.of(Tag.create("outcome", "copy")))
                .map(Counter::count).orElse(0L);
    }

    /** {@code GET /stock/{id}} on {@code replica}, twice: the same on-hand and reserved both times. */
    private static void assertLevel(TestHttp replica, String product, long onHand, long reserved) {
        for (int i = 0; i < 2; i++) {
            var level = TestHttp.json(replica.get("/stock/" + product));
            assertThat(level.get("on_hand").asLong()).as("on hand").isEqualTo(onHand);
            assertThat(level.get("reserved").asLong()).as("reserved").isEqualTo(reserved);
            assertThat(level.get("available").asLong()).as("available").isEqualTo(onHand - reserved);
        }
    }

    private static StockServiceGrpc.StockServiceBlockingStub stub(int replica) {
        ManagedChannel channel = TestIdentities.open("cartorder", "127.0.0.1:" + replicas.get(replica).grpcPort().orElseThrow());
        channels.add(channel);
        return StockServiceGrpc.newBlockingStub(ClientInterceptors.intercept(channel,
                new DefaultDeadline(Duration.ofSeconds(10))));
    }

    /** The keys of the ReservationExpired events of these orders on the stock topic, read until each has one, then 2 s more. */
    private static List<String> expiredEvents(Set<String> orders) {
        String type = ReservationExpired.getDescriptor().getFullName();
        List<String> keys = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = StockTestKit.reader(Topics.STOCK)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                poll(consumer, orders, type, keys);
                return new HashSet<>(keys).size() == orders.size();
            });
            // a second release would publish a second event right after the first: give it the time to show
            long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < until) {
                poll(consumer, orders, type, keys);
            }
        }
        return keys;
    }

    private static void poll(KafkaConsumer<String, byte[]> consumer, Set<String> orders, String type, List<String> keys) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
            if (orders.contains(r.key()) && r.headers().lastHeader(CloudEvents.TYPE) != null
                    && type.equals(StockTestKit.type(r))) {
                keys.add(r.key());
            }
        });
    }

    private static String quoted(Set<String> ids) {
        return String.join(",", ids.stream().map(id -> "'" + id + "'").toList());
    }
}

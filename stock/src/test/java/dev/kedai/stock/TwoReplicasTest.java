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
import dev.kedai.platform.testing.TestIdentities;
import dev.kedai.platform.testing.TestServiceConfig;
import dev.kedai.proto.stock.v1.Line;
import dev.kedai.proto.stock.v1.ReservationExpired;
import dev.kedai.proto.stock.v1.ReserveRequest;
import dev.kedai.proto.stock.v1.StockServiceGrpc;
import io.grpc.ClientInterceptors;
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

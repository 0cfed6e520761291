package dev.kedai.stock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.platform.redis.RedisCopies;
import dev.kedai.contracts.Topics;
import dev.kedai.infra.DbAccount;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.db.Database;
import dev.kedai.platform.db.Transactions;
import dev.kedai.platform.grpc.DefaultDeadline;
import dev.kedai.platform.security.TestTokens;
import dev.kedai.platform.server.KedaiServer;
import dev.kedai.platform.testing.TestHttp;
import dev.kedai.platform.testing.QueryPlans;
import dev.kedai.platform.testing.TestIdentities;
import dev.kedai.platform.testing.TestServiceConfig;
import dev.kedai.proto.cartorder.v1.OrderCancelled;
import dev.kedai.proto.cartorder.v1.OrderPaid;
import dev.kedai.proto.product.v1.ProductCreated;
import dev.kedai.proto.stock.v1.CommitRequest;
import dev.kedai.proto.stock.v1.ExtendRequest;
import dev.kedai.proto.stock.v1.ExtendResponse;
import dev.kedai.proto.stock.v1.Line;
import dev.kedai.proto.stock.v1.ReleaseRequest;
import dev.kedai.proto.stock.v1.ReservationCommitted;
import dev.kedai.proto.stock.v1.ReservationExpired;
import dev.kedai.proto.stock.v1.ReservationLost;
import dev.kedai.proto.stock.v1.ReserveRequest;
import dev.kedai.proto.stock.v1.ReserveResponse;
import dev.kedai.proto.stock.v1.StockServiceGrpc;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

import static dev.kedai.platform.testing.TestHttp.assertProblem;
import static dev.kedai.platform.testing.TestHttp.fieldsOf;
import static dev.kedai.platform.testing.TestHttp.json;
import static dev.kedai.stock.StockTestKit.post;
import static dev.kedai.stock.StockTestKit.product;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Reservations over gRPC, their expiry, the order events, stock updates and process_stock. */
class ReservationTest {

    private static TestTokens tokens;
    private static DbAccount db;
    private static KedaiServer server;
    private static TestHttp http;
    private static ManagedChannel channel;
    private static StockServiceGrpc.StockServiceBlockingStub stock;
    private static String admin;

    @BeforeAll
    static void start() {
        tokens = TestTokens.start();
        db = TestInfra.newDatabase("stock");
        // a retention other than the default P30D: theRetentionSetInConfigDecidesWhichEndedReservationsArePurged
        server = Main.start(TestServiceConfig.of(db, tokens, Map.of("stock.reservation.sweep-interval", "PT0.2S",
                                                                        "retention.interval", "PT0.2S",
                                                                        "retention.reservations", "P2D")));
        http = new TestHttp(server.port());
        channel = TestIdentities.open("cartorder", "127.0.0.1:" + server.grpcPort().orElseThrow());
        stock = StockServiceGrpc.newBlockingStub(ClientInterceptors.intercept(channel, new DefaultDeadline(Duration.ofSeconds(10))));
        admin = "Bearer " + tokens.mint("admin-1", "admin");
    }

    @AfterAll
    static void stop() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (server != null) {
            server.stop();
        }
        tokens.close();
    }

    @Test
    void reservesEveryLineOrNone() {
        String a = product(db, 5);
        String b = product(db, 1);
        ReserveResponse shortOfB = reserve(UUID.randomUUID().toString(), 0, line(a, 2), line(b, 2));
        assertThat(shortOfB.getReserved()).isFalse();
        assertThat(shortOfB.getShortagesList()).singleElement().satisfies(s -> {
            assertThat(s.getProductId()).isEqualTo(b);
            assertThat(s.getRequested()).isEqualTo(2);
            assertThat(s.getAvailable()).isEqualTo(1);
        });
        assertThat(available(a)).as("a's line was rolled back with b's shortage").isEqualTo(5);

        ReserveResponse ok = reserve(UUID.randomUUID().toString(), 0, line(a, 2), line(b, 1));
        assertThat(ok.getReserved()).isTrue();
        assertThat(ok.getExpiresAt().getSeconds()).isBetween(nowSeconds() + 14 * 60, nowSeconds() + 16 * 60);
        assertThat(level(a).get("reserved").asLong()).isEqualTo(2);
        assertThat(available(b)).isZero();
    }

    @Test
    void anUnknownProductIsAShortage() {
        String unknown = UUID.randomUUID().toString();
        ReserveResponse answer = reserve(UUID.randomUUID().toString(), 0, line(unknown, 1));
        assertThat(answer.getReserved()).isFalse();
        assertThat(answer.getShortages(0).getAvailable()).isZero();
    }

    @Test
    void reserveReleaseAndCommitAreIdempotentByOrderId() {
        String a = product(db, 10);
        String order = UUID.randomUUID().toString();
        ReserveResponse first = reserve(order, 0, line(a, 3));
        ReserveResponse again = reserve(order, 0, line(a, 3));
        assertThat(again.getReserved()).isTrue();
        assertThat(again.getExpiresAt().getSeconds()).isEqualTo(first.getExpiresAt().getSeconds());
        assertThat(level(a).get("reserved").asLong()).as("reserved once").isEqualTo(3);

        assertThat(stock.commit(CommitRequest.newBuilder().setOrderId(order).build()).getCommittedNow()).isTrue();
        assertThat(stock.commit(CommitRequest.newBuilder().setOrderId(order).build()).getCommittedNow()).isFalse();
        JsonNode sold = level(a);
        assertThat(sold.get("on_hand").asLong()).as("on-hand drops once").isEqualTo(7);
        assertThat(sold.get("reserved").asLong()).isZero();
        assertCode(() -> stock.release(ReleaseRequest.newBuilder().setOrderId(order).build()), Status.Code.FAILED_PRECONDITION);

        String other = UUID.randomUUID().toString();
        reserve(other, 0, line(a, 2));
        assertThat(stock.release(ReleaseRequest.newBuilder().setOrderId(other).build()).getReleased()).isTrue();
        assertThat(stock.release(ReleaseRequest.newBuilder().setOrderId(other).build()).getReleased()).isFalse();
        assertThat(available(a)).isEqualTo(7);
        assertCode(() -> stock.commit(CommitRequest.newBuilder().setOrderId(other).build()), Status.Code.FAILED_PRECONDITION);
        assertCode(() -> reserve(other, 0, line(a, 2)), Status.Code.FAILED_PRECONDITION);
        assertCode(() -> stock.commit(CommitRequest.newBuilder().setOrderId(UUID.randomUUID().toString()).build()),
                   Status.Code.NOT_FOUND);
        assertThat(stock.release(ReleaseRequest.newBuilder().setOrderId(UUID.randomUUID().toString()).build()).getReleased())
                .isFalse();
    }

    /**
     * Fault suite, after kills and slow peers: units RESERVED for orders cartorder never made. The
     * checkout gave up on a slow Reserve and released the order; the Release arrived first, found
     * nothing, and the late Reserve then held the units until its expiry.
     */
    @Test
    void aReserveThatArrivesAfterItsReleaseHoldsNothing() {
        String a = product(db, 10);
        String order = UUID.randomUUID().toString();
        assertThat(stock.release(ReleaseRequest.newBuilder().setOrderId(order).build()).getReleased()).isFalse();
        try {
            assertThat(reserve(order, 0, line(a, 2)).getReserved()).as("the late Reserve is refused").isFalse();
        } catch (StatusRuntimeException refused) {
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        }
        assertThat(level(a).get("reserved").asLong()).as("no units held for a released order").isZero();
    }

    @Test
    void fiftyConcurrentReservationsOfOneUnitAgainstTenNeverOversell() throws Exception {
        String hot = product(db, 10);
        AtomicBoolean running = new AtomicBoolean(true);
        int succeeded = 0;
        try (ExecutorService pool = Executors.newFixedThreadPool(51)) {
            // a client reading beside the race always sees a sane level, and units only ever go
            Future<Integer> watcher = pool.submit(() -> {
                long last = 10;
                int reads = 0;
                while (running.get() || reads == 0) {
                    JsonNode level = level(hot);
                    long available = level.get("available").asLong();
                    assertThat(level.get("on_hand").asLong()).isEqualTo(10);
                    assertThat(level.get("reserved").asLong() + available).isEqualTo(10);
                    assertThat(available).as("available after %d reads", reads).isBetween(0L, last);
                    last = available;
                    reads++;
                }
                return reads;
            });
            List<Future<Boolean>> calls = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                calls.add(pool.submit(() -> reserve(UUID.randomUUID().toString(), 0, line(hot, 1)).getReserved()));
            }
            for (Future<Boolean> f : calls) {
                succeeded += f.get() ? 1 : 0;
            }
            running.set(false);
            assertThat(watcher.get()).as("the watcher's reads (its failures surface here)").isPositive();
        }
        assertThat(succeeded).isEqualTo(10);
        JsonNode after = level(hot);
        assertThat(after.get("reserved").asLong()).isEqualTo(10);
        assertThat(after.get("available").asLong()).isZero();
    }

    /**
     * An admin's {@code /stock/update} (set and adjust) racing reservations: every answer is 200 or
     * 409, and the level afterwards is exactly what the successful answers add up to (no lost
     * update, on-hand never below reserved).
     */
    @Test
    void stockUpdatesRacingReservationsLoseNothingAndNeverGoBelowReserved() throws Exception {
        String p = product(db, 20);
        AtomicInteger reserved = new AtomicInteger();
        AtomicInteger taken = new AtomicInteger();
        AtomicInteger added = new AtomicInteger();
        List<Callable<Void>> work = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            work.add(() -> {
                if (reserve(UUID.randomUUID().toString(), 0, line(p, 1)).getReserved()) {
                    reserved.incrementAndGet();
                }
                return null;
            });
            work.add(() -> {
                var res = post(http, "/stock/update", admin, "{\"product_id\":\"" + p + "\",\"delta\":-1}");
                assertThat(res.statusCode()).as(res.body()).isIn(200, 409);
                if (res.statusCode() == 200) {
                    taken.incrementAndGet();
                }
                return null;
            });
            if (i % 2 == 0) {
                work.add(() -> {
                    var res = post(http, "/stock/update", admin, "{\"product_id\":\"" + p + "\",\"delta\":1}");
                    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
                    added.incrementAndGet();
                    return null;
                });
            }
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(work.size())) {
            for (Future<Void> f : pool.invokeAll(work)) {
                f.get();   // an assertion failed in a worker fails the test here
            }
        }
        JsonNode after = level(p);
        assertThat(after.get("on_hand").asLong()).isEqualTo(20 - taken.get() + added.get());
        assertThat(after.get("reserved").asLong()).isEqualTo(reserved.get());
        assertThat(after.get("available").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(reserved.get() + taken.get()).isLessThanOrEqualTo(20 + added.get());
    }

    @Test
    void crossedLineOrdersNeitherDeadlockNorOversell() throws Exception {
        String a = product(db, 10);
        String b = product(db, 10);
        List<Callable<Boolean>> calls = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            boolean flip = i % 2 == 0;
            calls.add(() -> reserve(UUID.randomUUID().toString(), 0,
                                    flip ? line(a, 1) : line(b, 1), flip ? line(b, 1) : line(a, 1)).getReserved());
        }
        int succeeded = 0;
        try (ExecutorService pool = Executors.newFixedThreadPool(30)) {
            for (Future<Boolean> f : pool.invokeAll(calls)) {
                succeeded += f.get() ? 1 : 0;   // a deadlock would surface here as an error
            }
        }
        assertThat(succeeded).isEqualTo(10);
        assertThat(available(a)).isZero();
        assertThat(available(b)).isZero();
    }

    @Test
    void anExpiredReservationIsReleasedAndPublished() {
        String a = product(db, 4);
        String order = UUID.randomUUID().toString();
        // a 1 s TTL: whether the units are still held at the next call depends on the machine's speed, so
        // the test checks that the sweeper expired a reservation that existed, not how long it lived
        assertThat(reserve(order, 1, line(a, 3)).getReserved()).isTrue();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(available(a)).isEqualTo(4));
        assertThat(StockTestKit.query(db, "SELECT status FROM reservations WHERE order_id = '" + order + "'"))
                .isEqualTo("EXPIRED");
        var events = StockTestKit.records(Topics.STOCK, order, r -> !r.isEmpty());
        assertThat(StockTestKit.type(events.getFirst())).isEqualTo(ReservationExpired.getDescriptor().getFullName());
        assertCode(() -> stock.commit(CommitRequest.newBuilder().setOrderId(order).build()), Status.Code.FAILED_PRECONDITION);
    }

    /**
     * The sweeper gives units back in product-id order over all the orders it expires, as a
     * Reserve takes them: a transaction holding the lower product's row (as a Reserve of both does)
     * while the sweeper waits for it can then lock the higher one. When the sweeper took the
     * products order by order (C of the first order, then A of the second), this was a deadlock.
     */
    @Test
    void anExpirySweepAndAReserveOfTheSameProductsDoNotDeadlock() throws Exception {
        String a = product(db, 5);
        String c = product(db, 5);
        String[] ids = {a, c};
        java.util.Arrays.sort(ids);
        String low = ids[0];
        String high = ids[1];
        String first = UUID.randomUUID().toString();
        String second = UUID.randomUUID().toString();
        reserve(first, 600, line(high, 1));
        reserve(second, 600, line(low, 1));
        try (var reserve = java.sql.DriverManager.getConnection(db.url(), db.user(), db.password())) {
            reserve.setAutoCommit(false);
            lockLevel(reserve, low);
            // both due at once, the order holding the higher product first
            StockTestKit.sql(db, "UPDATE reservations SET expires_at = CASE order_id WHEN '" + first
                    + "' THEN CURRENT_TIMESTAMP(3) - INTERVAL 2 SECOND ELSE CURRENT_TIMESTAMP(3) - INTERVAL 1 SECOND END"
                    + " WHERE order_id IN ('" + first + "', '" + second + "')");
            // the sweeper's give-back of the lower product waits for the lock held here
            await().atMost(Duration.ofSeconds(10)).until(() -> StockTestKit.query(db,
                    "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'UPDATE stock_levels%"
                            + low + "%'").equals("1"));

            lockLevel(reserve, high);   // a deadlock victim here without the ordered give-back
            reserve.rollback();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> "EXPIRED".equals(reservationStatus(first))
                && "EXPIRED".equals(reservationStatus(second)));
        assertThat(available(low)).isEqualTo(5);
        assertThat(available(high)).isEqualTo(5);
    }

    private static void lockLevel(java.sql.Connection c, String productId) throws java.sql.SQLException {
        try (var s = c.prepareStatement("SELECT on_hand FROM stock_levels WHERE product_id = ? FOR UPDATE")) {
            s.setString(1, productId);
            s.executeQuery().close();
        }
    }

    // OrderPaid that reaches stock only after the sweeper released the order's reservation: the
    // consumer was paused (lag) while the sweeper ran, so the event is published after the expiry
    private static void paidAfterItsReservationExpired(String order) {
        await().atMost(Duration.ofSeconds(10)).until(() -> "EXPIRED".equals(reservationStatus(order)));
        StockTestKit.publish(Topics.ORDER, order, OrderPaid.newBuilder().setOrderId(order).setUserId("u1")
                .setOccurredAt(StockTestKit.now()).build());
    }

    private static String reservationStatus(String order) {
        return StockTestKit.query(db, "SELECT status FROM reservations WHERE order_id = '" + order + "'");
    }

    @Test
    void aPaidOrderWhoseReservationExpiredIsHeldAgainAndSoldWhenItsUnitsAreLeft() {
        String a = product(db, 4);
        String b = product(db, 4);
        String order = UUID.randomUUID().toString();
        reserve(order, 1, line(a, 3), line(b, 1));
        paidAfterItsReservationExpired(order);

        await().atMost(Duration.ofSeconds(15)).until(() -> "COMMITTED".equals(reservationStatus(order)));
        assertThat(level(a).get("on_hand").asLong()).isEqualTo(1);
        assertThat(level(a).get("reserved").asLong()).isZero();
        assertThat(level(b).get("on_hand").asLong()).isEqualTo(3);
        var events = StockTestKit.records(Topics.STOCK, order, r -> r.stream().anyMatch(e -> StockTestKit.type(e)
                .equals(ReservationCommitted.getDescriptor().getFullName())));
        assertThat(events).noneMatch(e -> StockTestKit.type(e).equals(ReservationLost.getDescriptor().getFullName()));
    }

    @Test
    void aPaidOrderWhoseUnitsWereSoldMeanwhileIsReportedLostAndNothingIsSold() throws Exception {
        String a = product(db, 2);
        String b = product(db, 5);
        String order = UUID.randomUUID().toString();
        reserve(order, 1, line(a, 2), line(b, 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> "EXPIRED".equals(reservationStatus(order)));
        // the expired units went to another order before the first one's OrderPaid arrived
        String other = UUID.randomUUID().toString();
        assertThat(reserve(other, 600, line(a, 1)).getReserved()).isTrue();
        paidAfterItsReservationExpired(order);

        var events = StockTestKit.records(Topics.STOCK, order, r -> r.stream().anyMatch(e -> StockTestKit.type(e)
                .equals(ReservationLost.getDescriptor().getFullName())));
        ReservationLost lost = ReservationLost.parseFrom(events.getLast().value());
        assertThat(lost.getOrderId()).isEqualTo(order);
        assertThat(lost.getLinesList()).singleElement().satisfies(l -> {
            assertThat(l.getProductId()).isEqualTo(a);
            assertThat(l.getRequested()).isEqualTo(2);
            assertThat(l.getAvailable()).isEqualTo(1);
        });
        // all lines or none: b's unit is not held either, and nothing was sold
        assertThat(reservationStatus(order)).isEqualTo("EXPIRED");
        assertThat(level(a).get("on_hand").asLong()).isEqualTo(2);
        assertThat(level(a).get("reserved").asLong()).isEqualTo(1);
        assertThat(level(b).get("reserved").asLong()).isZero();
        assertThat(level(b).get("on_hand").asLong()).isEqualTo(5);
    }

    @Test
    void aPaidOrderStockNeverHeldAnythingForIsReportedLost() throws Exception {
        String order = UUID.randomUUID().toString();
        stock.release(ReleaseRequest.newBuilder().setOrderId(order).build());   // a tombstone, no lines
        StockTestKit.publish(Topics.ORDER, order, OrderPaid.newBuilder().setOrderId(order).setUserId("u1")
                .setOccurredAt(StockTestKit.now()).build());
        var events = StockTestKit.records(Topics.STOCK, order, r -> !r.isEmpty());
        assertThat(StockTestKit.type(events.getFirst())).isEqualTo(ReservationLost.getDescriptor().getFullName());
        assertThat(ReservationLost.parseFrom(events.getFirst().value()).getLinesList()).isEmpty();
        assertThat(reservationStatus(order)).isEqualTo("RELEASED");
    }

    @Test
    void endedReservationsArePurgedWithTheirLinesAfterTheRetentionAndHeldOnesNever() {
        String a = product(db, 10);
        String ended = UUID.randomUUID().toString();
        String held = UUID.randomUUID().toString();
        String recent = UUID.randomUUID().toString();
        reserve(ended, 600, line(a, 1));
        reserve(held, 600, line(a, 1));
        reserve(recent, 600, line(a, 1));
        stock.release(ReleaseRequest.newBuilder().setOrderId(ended).build());
        stock.release(ReleaseRequest.newBuilder().setOrderId(recent).build());
        // ended 31 days ago, and a paid reservation still held whose expiry is as old; paid first: the
        // sweeper (every 0.2 s) expires an unpaid one the moment its expiry passes (a CI flake)
        StockTestKit.sql(db, "UPDATE reservations SET paid = TRUE WHERE order_id = '" + held + "'");
        StockTestKit.sql(db, "UPDATE reservations SET expires_at = CURRENT_TIMESTAMP(3) - INTERVAL 31 DAY"
                             + " WHERE order_id IN ('" + ended + "', '" + held + "')");

        await().atMost(Duration.ofSeconds(20)).until(() -> reservationStatus(ended) == null);
        assertThat(StockTestKit.query(db, "SELECT COUNT(*) FROM reservation_lines WHERE order_id = '" + ended + "'"))
                .isEqualTo("0");
        assertThat(reservationStatus(held)).isEqualTo("RESERVED");
        assertThat(reservationStatus(recent)).as("a tombstone within its retention stays").isEqualTo("RELEASED");
    }

    /**
     * This server runs with {@code retention.reservations: P2D} instead of the default 30 days: a
     * reservation that ended three days ago is purged, one that ended a day ago is kept by the same
     * round.
     */
    @Test
    void theRetentionSetInConfigDecidesWhichEndedReservationsArePurged() {
        String a = product(db, 10);
        String threeDaysAgo = UUID.randomUUID().toString();
        String oneDayAgo = UUID.randomUUID().toString();
        for (String order : List.of(threeDaysAgo, oneDayAgo)) {
            reserve(order, 600, line(a, 1));
            stock.release(ReleaseRequest.newBuilder().setOrderId(order).build());
        }
        StockTestKit.sql(db, "UPDATE reservations SET expires_at = CURRENT_TIMESTAMP(3) - INTERVAL 3 DAY"
                             + " WHERE order_id = '" + threeDaysAgo + "'");
        StockTestKit.sql(db, "UPDATE reservations SET expires_at = CURRENT_TIMESTAMP(3) - INTERVAL 1 DAY"
                             + " WHERE order_id = '" + oneDayAgo + "'");

        await().atMost(Duration.ofSeconds(20)).until(() -> reservationStatus(threeDaysAgo) == null);
        assertThat(reservationStatus(oneDayAgo)).isEqualTo("RELEASED");
    }

    /** The purge's DELETE can find ended reservations by reservations_due (status, expires_at), not by a scan. */
    @Test
    void theReservationsPurgeCanUseItsIndex() {
        assertThat(QueryPlans.possibleKeys(db, ReservationStore.RETENTION.delete(), 3_600_000_000L, 500))
                .contains("reservations_due");
    }

    @Test
    void extendKeepsAReservationHeldLongerAndNeverShortensIt() {
        String a = product(db, 5);
        String order = UUID.randomUUID().toString();
        reserve(order, 60, line(a, 2));
        long extended = extend(order, 600).getExpiresAt().getSeconds();
        assertThat(extended).isBetween(nowSeconds() + 590, nowSeconds() + 610);
        assertThat(extend(order, 10).getExpiresAt().getSeconds()).as("never shortened").isEqualTo(extended);
        assertThat(reserve(order, 60, line(a, 2)).getExpiresAt().getSeconds()).isEqualTo(extended);
        assertThat(level(a).get("reserved").asLong()).as("still held once").isEqualTo(2);

        assertThat(stock.commit(CommitRequest.newBuilder().setOrderId(order).build()).getCommittedNow()).isTrue();
        assertThat(extend(order, 900).getExpiresAt().getSeconds()).as("a sale keeps its expiry").isEqualTo(extended);

        String released = UUID.randomUUID().toString();
        reserve(released, 60, line(a, 1));
        stock.release(ReleaseRequest.newBuilder().setOrderId(released).build());
        assertCode(() -> extend(released, 600), Status.Code.FAILED_PRECONDITION);
        assertCode(() -> extend(UUID.randomUUID().toString(), 600), Status.Code.NOT_FOUND);
        assertCode(() -> extend(order, 0), Status.Code.INVALID_ARGUMENT);
        assertCode(() -> extend("nope", 60), Status.Code.INVALID_ARGUMENT);
    }

    private static ExtendResponse extend(String orderId, int ttlSeconds) {
        return stock.extend(ExtendRequest.newBuilder().setOrderId(orderId).setTtlSeconds(ttlSeconds).build());
    }

    @Test
    void aReleaseThatOvertookItsReserveLeavesATombstoneThatRefusesTheReserve() {
        String a = product(db, 5);
        String order = UUID.randomUUID().toString();
        // cartorder gave up on a slow Reserve and released: the Release arrives first
        assertThat(stock.release(ReleaseRequest.newBuilder().setOrderId(order).build()).getReleased()).isFalse();
        assertCode(() -> reserve(order, 0, line(a, 2)), Status.Code.FAILED_PRECONDITION);
        assertThat(available(a)).as("nothing held for an order that does not exist").isEqualTo(5);
        assertThat(stock.release(ReleaseRequest.newBuilder().setOrderId(order).build()).getReleased()).isFalse();
    }

    @Test
    void badReserveRequestsAreInvalidAndChangeNothing() {
        String a = product(db, 5);
        String order = UUID.randomUUID().toString();
        assertCode(() -> reserve("order-1", 0, line(a, 1)), Status.Code.INVALID_ARGUMENT);
        assertCode(() -> reserve(order, 0), Status.Code.INVALID_ARGUMENT);
        assertCode(() -> reserve(order, 0, line(a, 0)), Status.Code.INVALID_ARGUMENT);
        assertCode(() -> reserve(order, 0, line(a, -1)), Status.Code.INVALID_ARGUMENT);
        assertCode(() -> reserve(order, 0, line(a, 10_001)), Status.Code.INVALID_ARGUMENT);
        assertCode(() -> reserve(order, 0, line(a, 1), line("nope", 1)), Status.Code.INVALID_ARGUMENT);
        assertCode(() -> reserve(order, -5, line(a, 1)), Status.Code.INVALID_ARGUMENT);
        assertCode(() -> stock.commit(CommitRequest.newBuilder().setOrderId("x").build()), Status.Code.INVALID_ARGUMENT);
        assertThat(available(a)).isEqualTo(5);
        assertThat(reserve(order, 0, line(a, 1)).getReserved()).as("the order id is still free").isTrue();
    }

    @Test
    void orderEventsCommitAndReleaseAndProcessStockIsIdempotent() {
        String a = product(db, 10);
        String paid = UUID.randomUUID().toString();
        String cancelled = UUID.randomUUID().toString();
        String unpaid = UUID.randomUUID().toString();
        reserve(paid, 0, line(a, 2));
        reserve(cancelled, 0, line(a, 3));
        reserve(unpaid, 0, line(a, 1));

        var notPaid = post(http, "/order/process_stock", admin, "{\"order_id\":\"" + unpaid + "\"}");
        assertProblem(notPaid, 409);
        assertProblem(post(http, "/order/process_stock", admin, "{\"order_id\":\"" + UUID.randomUUID() + "\"}"), 404);
        assertProblem(post(http, "/order/process_stock", "Bearer " + tokens.mint("u1", "customer"),
                           "{\"order_id\":\"" + unpaid + "\"}"), 403);
        assertThat(fieldsOf(post(http, "/order/process_stock", admin, "{\"order_id\":42,\"force\":true}")))
                .containsExactly("order_id", "force");

        StockTestKit.publish(Topics.ORDER, paid, OrderPaid.newBuilder().setOrderId(paid).setUserId("u1")
                .setOccurredAt(StockTestKit.now()).build());
        StockTestKit.publish(Topics.ORDER, cancelled, OrderCancelled.newBuilder().setOrderId(cancelled).setUserId("u1")
                .setReason("USER").setOccurredAt(StockTestKit.now()).build());
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            JsonNode level = level(a);
            assertThat(level.get("on_hand").asLong()).isEqualTo(8);
            assertThat(level.get("reserved").asLong()).isEqualTo(1);
        });
        var committed = StockTestKit.records(Topics.STOCK, paid, r -> !r.isEmpty());
        assertThat(StockTestKit.type(committed.getFirst())).isEqualTo(ReservationCommitted.getDescriptor().getFullName());

        for (int i = 0; i < 2; i++) {
            var res = post(http, "/order/process_stock", admin, "{\"order_id\":\"" + paid + "\"}");
            assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
            assertThat(json(res).get("status").asText()).isEqualTo("committed");
        }
        assertThat(level(a).get("on_hand").asLong()).as("on-hand dropped once").isEqualTo(8);
        assertProblem(post(http, "/order/process_stock", admin, "{\"order_id\":\"" + cancelled + "\"}"), 409);
    }

    @Test
    void productCreatedGivesTheProductAStockRow() {
        String id = UUID.randomUUID().toString();
        StockTestKit.publish(Topics.PRODUCT, id, ProductCreated.newBuilder().setProductId(id).setSku("S-" + id)
                .setName("Kopi").setCategory("coffee").setOccurredAt(StockTestKit.now()).build());
        await().atMost(Duration.ofSeconds(15)).untilAsserted(
                () -> assertThat(http.get("/stock/" + id).statusCode()).isEqualTo(200));
        assertThat(available(id)).isZero();
    }

    /**
     * The event consumer applies a batch of OrderPaid in one transaction. The level rows it sells
     * from are the hottest locks of the system (every Reserve of a popular product waits on them):
     * it takes them only as the transaction's last statements, one update per product, so until
     * then another transaction locks them at once. It used to hold them from the first sale of the
     * batch to its commit (journey at 30/s: POST /order p50 870 ms, stock shedding Reserves).
     */
    @Test
    void aBatchOfSalesTakesTheLevelRowsOnlyAtItsEnd() {
        String a = product(db, 10);
        String first = UUID.randomUUID().toString();
        String second = UUID.randomUUID().toString();
        assertThat(reserve(first, 600, line(a, 2)).getReserved()).isTrue();
        assertThat(reserve(second, 600, line(a, 3)).getReserved()).isTrue();
        try (Database database = Database.start(io.helidon.config.Config.just(io.helidon.config.ConfigSources.create(Map.of(
                "db.source", "jdbc", "db.connection.url", db.url(), "db.connection.username", db.user(),
                "db.connection.password", db.password(), "db.migration.enabled", "false"))).get("db"));
             RedisClient redis = RedisClient.create(java.net.URI.create(TestInfra.get().redisUrl()))) {
            Transactions transactions = Transactions.create(database.client(), "stock-test");
            ReservationStore store = new ReservationStore(new StockStore(database.client(), RedisCopies.none(redis)), new StockEvents());
            transactions.inTransaction(tx -> {
                assertThat(store.sellPaid(tx, first)).isEqualTo(ReservationStore.PaidOutcome.SOLD);
                assertThat(store.sellPaid(tx, second)).isEqualTo(ReservationStore.PaidOutcome.SOLD);
                assertThat(lockableAtOnce(a)).as("the level row is not locked before the commit's last statements").isTrue();
                return null;
            });
        }
        assertThat(level(a).get("on_hand").asLong()).as("both sales, once each").isEqualTo(5);
        assertThat(level(a).get("reserved").asLong()).isZero();
    }

    @Test
    void adminSetsOrAdjustsOnHandNeverBelowReserved() {
        String a = product(db, 10);
        reserve(UUID.randomUUID().toString(), 0, line(a, 4));
        var set = post(http, "/stock/update", admin, "{\"product_id\":\"" + a + "\",\"quantity\":20}");
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
        assertThat(json(set).get("available").asLong()).isEqualTo(16);
        var adjusted = post(http, "/stock/update", admin, "{\"product_id\":\"" + a + "\",\"delta\":-6}");
        assertThat(json(adjusted).get("on_hand").asLong()).isEqualTo(14);

        var below = post(http, "/stock/update", admin, "{\"product_id\":\"" + a + "\",\"delta\":-11}");
        assertProblem(below, 409);
        assertThat(json(below).get("reserved").asLong()).isEqualTo(4);
        assertProblem(post(http, "/stock/update", admin, "{\"product_id\":\"" + a + "\",\"quantity\":3}"), 409);
        assertProblem(post(http, "/stock/update", admin, "{\"product_id\":\"" + UUID.randomUUID() + "\",\"quantity\":3}"), 404);
        assertThat(level(a).get("on_hand").asLong()).as("refused updates changed nothing").isEqualTo(14);
    }

    @Test
    void badStockUpdatesAre400sNamingTheFields() {
        String a = product(db, 10);
        String id = "\"product_id\":\"" + a + "\"";
        assertThat(fieldsOf(post(http, "/stock/update", admin, "{" + id + "}"))).containsExactly("quantity", "delta");
        assertThat(fieldsOf(post(http, "/stock/update", admin, "{" + id + ",\"quantity\":1,\"delta\":1}")))
                .containsExactly("quantity", "delta");
        assertThat(fieldsOf(post(http, "/stock/update", admin, "{" + id + ",\"quantity\":-1}"))).containsExactly("quantity");
        assertThat(fieldsOf(post(http, "/stock/update", admin, "{" + id + ",\"quantity\":\"12\"}"))).containsExactly("quantity");
        assertThat(fieldsOf(post(http, "/stock/update", admin, "{" + id + ",\"quantity\":1.5}"))).containsExactly("quantity");
        assertThat(fieldsOf(post(http, "/stock/update", admin, "{" + id + ",\"quantity\":1e12}"))).containsExactly("quantity");
        assertThat(fieldsOf(post(http, "/stock/update", admin, "{" + id + ",\"delta\":0}"))).containsExactly("delta");
        assertThat(fieldsOf(post(http, "/stock/update", admin, "{" + id + ",\"delta\":99999999999}"))).containsExactly("delta");
        assertThat(fieldsOf(post(http, "/stock/update", admin, "{\"product_id\":\"x\",\"quantity\":1,\"reserved\":0}")))
                .containsExactly("product_id", "reserved");
        assertProblem(post(http, "/stock/update", admin, "[1]"), 400);
        assertProblem(post(http, "/stock/update", null, "{" + id + ",\"quantity\":1}"), 401);
        assertProblem(post(http, "/stock/update", "Bearer " + tokens.mint("u1", "customer"), "{" + id + ",\"quantity\":1}"), 403);
        assertThat(level(a).get("on_hand").asLong()).isEqualTo(10);
    }

    private static ReserveResponse reserve(String orderId, int ttlSeconds, Line... lines) {
        return stock.reserve(ReserveRequest.newBuilder().setOrderId(orderId).setTtlSeconds(ttlSeconds)
                                     .addAllLines(List.of(lines)).build());
    }

    private static Line line(String productId, int quantity) {
        return Line.newBuilder().setProductId(productId).setQuantity(quantity).build();
    }

    private static JsonNode level(String productId) {
        var res = http.get("/stock/" + productId);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return json(res);
    }

    private static long available(String productId) {
        return level(productId).get("available").asLong();
    }

    // another connection takes the level row's lock without waiting (NOWAIT: a held lock fails at once)
    private static boolean lockableAtOnce(String productId) {
        try (var c = java.sql.DriverManager.getConnection(db.url(), db.user(), db.password())) {
            c.setAutoCommit(false);
            try (var s = c.prepareStatement("SELECT on_hand FROM stock_levels WHERE product_id = ? FOR UPDATE NOWAIT")) {
                s.setString(1, productId);
                s.executeQuery().close();
                return true;
            } catch (java.sql.SQLException held) {
                return false;
            } finally {
                c.rollback();
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long nowSeconds() {
        return System.currentTimeMillis() / 1000;
    }

    private static void assertCode(Runnable call, Status.Code code) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(code));
    }
}

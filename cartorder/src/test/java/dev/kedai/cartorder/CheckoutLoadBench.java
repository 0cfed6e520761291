package dev.kedai.cartorder;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import dev.kedai.infra.DbAccount;
import dev.kedai.infra.TestInfra;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import static dev.kedai.cartorder.CartOrderFixture.newId;
import static dev.kedai.platform.testing.TestHttp.json;

/**
 * Not a test: the checkout's throughput on this machine, run on demand
 * ({@code -Dtest=CheckoutLoadBench -Dkedai.bench=true [-Dkedai.bench.rates=50,100,200] [-Dkedai.bench.seconds=15]}).
 * cartorder runs for real (HTTP, MariaDB, Kafka relay) with its peers as gRPC doubles; each arrival
 * is a user (token minted as the tests do) whose cart got 3 lines through gRPC AddItem, then
 * {@code POST /order} and {@code POST /order/pay} at a constant arrival rate. Then a raw JDBC insert
 * loop on the same MariaDB gives the ceiling.
 */
@EnabledIfSystemProperty(named = "kedai.bench", matches = "true")
class CheckoutLoadBench {

    @Test
    void checkoutAtConstantArrivalRate() throws Exception {
        int seconds = Integer.getInteger("kedai.bench.seconds", 15);
        List<Integer> rates = java.util.Arrays.stream(System.getProperty("kedai.bench.rates", "50,100,200").split(","))
                .map(Integer::parseInt).toList();
        try (CartOrderFixture f = new CartOrderFixture(Map.of("db.connection.maximumPoolSize", "20"))) {
            List<String> products = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                String id = f.product("Bench " + i, 10_000 + i);
                f.peers.available.put(id, 10_000_000);
                products.add(id);
            }
            run(f, products, 20, 5, false);   // warm-up
            for (int rate : rates) {
                run(f, products, rate, seconds, true);
            }
            insertCeiling(16, 10);
        }
    }

    private void run(CartOrderFixture f, List<String> products, int rate, int seconds, boolean report) throws Exception {
        int total = rate * seconds;
        // carts are filled before the clock starts: the bench measures checkout and payment
        List<String[]> users = new ArrayList<>(total);
        ExecutorService fill = Executors.newFixedThreadPool(8);
        List<java.util.concurrent.Future<String[]>> filled = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            int n = i;
            filled.add(fill.submit(() -> {
                String user = newId();
                for (int j = 0; j < 3; j++) {
                    f.add(user, products.get((n * 3 + j) % products.size()), 1);
                }
                return f.bearer(user);
            }));
        }
        for (var u : filled) {
            users.add(u.get());
        }
        fill.shutdown();

        ConcurrentHistogram order = new ConcurrentHistogram(3);
        ConcurrentHistogram pay = new ConcurrentHistogram(3);
        AtomicInteger paid = new AtomicInteger();
        Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        long origin = System.nanoTime() + 50_000_000;
        for (int i = 0; i < total; i++) {
            long due = origin + (long) (i * 1e9 / rate);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            String[] bearer = users.get(i);
            pool.submit(() -> {
                // latency from the slot's due time, so a stalled server shows its queue (no coordinated omission)
                HttpResponse<String> placed = f.http.post("/order", "application/json", "{}".getBytes(),
                                                          bearer[0], bearer[1], "Idempotency-Key", UUID.randomUUID().toString());
                order.recordValue(Math.max(1, (System.nanoTime() - due) / 1_000));
                if (placed.statusCode() != 201) {
                    failures.computeIfAbsent("order " + placed.statusCode(), k -> new AtomicInteger()).incrementAndGet();
                    return;
                }
                String orderId = json(placed).get("order_id").asText();
                long payStart = System.nanoTime();
                HttpResponse<String> res = f.http.post("/order/pay", "application/json",
                        ("{\"order_id\":\"" + orderId + "\",\"payment_token\":\"tok_bench\"}").getBytes(), bearer);
                pay.recordValue(Math.max(1, (System.nanoTime() - payStart) / 1_000));
                if (res.statusCode() == 200) {
                    paid.incrementAndGet();
                } else {
                    failures.computeIfAbsent("pay " + res.statusCode(), k -> new AtomicInteger()).incrementAndGet();
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(3, TimeUnit.MINUTES);
        double elapsed = (System.nanoTime() - origin) / 1e9;
        if (report) {
            System.out.printf("BENCH offered %d orders/s for %d s: %d paid in %.1f s = %.1f orders/s; failures %s%n",
                              rate, seconds, paid.get(), elapsed, paid.get() / elapsed, failures);
            print("POST /order (from due time)", order);
            print("POST /order/pay", pay);
        }
    }

    private static void insertCeiling(int threads, int seconds) throws Exception {
        DbAccount db = TestInfra.newDatabase("ceiling");
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password()); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (id CHAR(36) PRIMARY KEY, user_id CHAR(36) NOT NULL, amount BIGINT NOT NULL,"
                      + " created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))");
        }
        AtomicLong inserted = new AtomicLong();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(Thread.ofPlatform().start(() -> {
                try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
                     PreparedStatement p = c.prepareStatement("INSERT INTO t (id, user_id, amount) VALUES (?, ?, ?)")) {
                    while (System.nanoTime() < end) {
                        p.setString(1, UUID.randomUUID().toString());
                        p.setString(2, UUID.randomUUID().toString());
                        p.setLong(3, 10_000);
                        p.executeUpdate();
                        inserted.incrementAndGet();
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (Thread w : workers) {
            w.join();
        }
        System.out.printf("BENCH raw JDBC insert ceiling (autocommit, %d threads, %d s): %.0f inserts/s%n",
                          threads, seconds, inserted.get() / (double) seconds);
    }

    private static void print(String what, Histogram h) {
        System.out.printf("BENCH %-30s n=%-6d p50=%7.1f ms  p90=%7.1f ms  p99=%7.1f ms  max=%7.1f ms%n", what,
                          h.getTotalCount(), h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
                          h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0);
    }
}

package dev.kedai.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The database's ceiling for the write a checkout needs most: durable single-row inserts, each its
 * own transaction, from N threads with a connection each, into a scratch table of the given schema
 * (created and dropped here). Orders/s of the checkout divided by this gives the ratio to the ceiling.
 *
 * <pre>java -cp kedai-bench.jar dev.kedai.bench.InsertCeiling jdbc:mysql://127.0.0.1:13406/kedai_cartorder cartorder PASSWORD 16 10</pre>
 */
public final class InsertCeiling {

    private InsertCeiling() {
    }

    public static void main(String[] a) throws Exception {
        String url = a[0];
        String user = a[1];
        String password = a[2];
        int threads = Integer.parseInt(a[3]);
        long seconds = Long.parseLong(a[4]);
        try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS bench_insert_ceiling (id CHAR(36) PRIMARY KEY, user_id CHAR(36) NOT NULL,"
                      + " amount BIGINT NOT NULL, created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))");
        }
        AtomicLong inserted = new AtomicLong();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(Thread.ofPlatform().start(() -> {
                try (Connection c = DriverManager.getConnection(url, user, password);
                     PreparedStatement p = c.prepareStatement(
                             "INSERT INTO bench_insert_ceiling (id, user_id, amount) VALUES (?, ?, ?)")) {
                    c.setAutoCommit(true);
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
        try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
            s.execute("DROP TABLE bench_insert_ceiling");
        }
        System.out.printf("raw JDBC insert ceiling: %d inserts in %d s with %d threads = %.0f inserts/s%n",
                          inserted.get(), seconds, threads, inserted.get() / (double) seconds);
    }
}

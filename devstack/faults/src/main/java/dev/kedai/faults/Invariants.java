package dev.kedai.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.kedai.infra.Databases;
import dev.kedai.infra.DbAccount;
import dev.kedai.infra.InfraEndpoints;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The invariants of issue 12, read from where the truth is: the services' databases (as the
 * database admin), the sandbox provider's ledger file, and Kafka (admin client) — never from what
 * the services say about themselves. Each violation is reported once ({@link Violation#key()}),
 * at the first check that sees it, so a table row shows what the fault before it broke.
 */
final class Invariants implements AutoCloseable {

    /** A paid order must be FULFILLED this long after its pay answered 200. */
    static final Duration FULFIL_WITHIN = Duration.ofSeconds(30);
    /** An approved charge may stay on an unpaid order while its payment is in flight (cartorder's window is 30 s). */
    static final Duration CHARGE_SETTLES_WITHIN = Duration.ofSeconds(60);
    /** How long a check waits for the consumers and the relays to catch up with what existed when it began. */
    static final Duration CATCH_UP = Duration.ofSeconds(30);
    private static final List<String> SERVICES = List.of("auth", "user", "product", "stock", "cartorder");

    private final Map<String, DbAccount> databases;
    private final String kafkaBootstrap;
    private final Path ledger;
    private final Map<String, Long> initialOnHand;
    private final Set<String> reported = new HashSet<>();
    private Admin kafka;

    /**
     * @param databases     each service's schema ({@code auth}, ..., {@code cartorder}), with an account that can read it
     * @param kafkaBootstrap the broker
     * @param ledger        the sandbox provider's ledger file
     * @param initialOnHand on_hand by product before the load began
     */
    Invariants(Map<String, DbAccount> databases, String kafkaBootstrap, Path ledger, Map<String, Long> initialOnHand) {
        this.databases = Map.copyOf(databases);
        this.kafkaBootstrap = kafkaBootstrap;
        this.ledger = ledger;
        this.initialOnHand = Map.copyOf(initialOnHand);
    }

    /** Each service's schema as the database admin sees it ({@code kedai_<service>}). */
    static Map<String, DbAccount> adminAccounts(InfraEndpoints infra) {
        Map<String, DbAccount> accounts = new LinkedHashMap<>();
        for (String service : SERVICES) {
            accounts.put(service, new DbAccount(infra.jdbcUrl(Databases.schemaOf(service)), infra.dbAdminUser(),
                    infra.dbAdminPassword()));
        }
        return accounts;
    }

    /** Stock levels by product now in the stock schema (the baseline every later check compares with). */
    static Map<String, Long> onHand(DbAccount stock) {
        Map<String, Long> levels = new HashMap<>();
        try (Connection c = connect(stock); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT product_id, on_hand FROM stock_levels")) {
            while (r.next()) {
                levels.put(r.getString(1), r.getLong(2));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read stock levels: " + e.getMessage(), e);
        }
        return levels;
    }

    /**
     * Checks money, stock and events; returns what it had not reported before.
     *
     * @param paid   order id → when its pay answered 200 ({@link System#nanoTime()})
     * @param strict at the end of a run, when nothing is in flight: every outbox empty and every
     *               group at the end of its topics
     */
    List<Violation> check(Map<String, Long> paid, boolean strict) {
        // the databases' state and the events' drain read different things, and the drain may wait up
        // to CATCH_UP: both at once, so a check takes the longer of the two, not their sum (issue 12's budget)
        List<Violation> drained = new ArrayList<>();
        Thread events = Thread.ofVirtual().name("check-events").start(() -> events(strict, drained));
        List<Violation> found = new ArrayList<>(state(paid, strict));
        try {
            events.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            found.add(new Violation("check-failed", "events", "interrupted while the events were checked"));
        }
        found.addAll(drained);
        return fresh(found);
    }

    /** Money and stock only (no Kafka), not reported before. */
    List<Violation> checkState(Map<String, Long> paid) {
        return fresh(state(paid, false));
    }

    /** With {@code strict} (the end), a paid order still not fulfilled is reported again: late became never. */
    private List<Violation> state(Map<String, Long> paid, boolean strict) {
        List<Violation> found = new ArrayList<>();
        // taken before the databases are read: every pay in it answered 200 before what they show
        Map<String, Long> answered = Map.copyOf(paid);
        try {
            money(answered, strict ? " (at the end)" : "", found);
            stock(found);
        } catch (SQLException e) {
            found.add(new Violation("check-failed", "database", "the databases could not be read: " + e.getMessage()));
        }
        return found;
    }

    private List<Violation> fresh(List<Violation> found) {
        List<Violation> fresh = new ArrayList<>();
        for (Violation v : found) {
            if (reported.add(v.key())) {
                fresh.add(v);
            }
        }
        return fresh;
    }

    /**
     * Whether what the load left in flight has arrived: every order whose pay answered 200 is
     * FULFILLED and no outbox holds an unsent event. False when a database cannot be read.
     */
    boolean settled(Map<String, Long> paid) {
        Set<String> fulfilled = new HashSet<>();
        try {
            try (Connection c = connect("cartorder"); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT order_id FROM orders WHERE status = 'FULFILLED'")) {
                while (r.next()) {
                    fulfilled.add(r.getString(1));
                }
            }
            for (String service : databases.keySet()) {
                try (Connection c = connect(service); Statement s = c.createStatement();
                     ResultSet r = s.executeQuery("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")) {
                    r.next();
                    if (r.getLong(1) > 0) {
                        return false;
                    }
                }
            }
        } catch (SQLException e) {
            return false;
        }
        return fulfilled.containsAll(paid.keySet());
    }

    /** available = on_hand − reserved below zero anywhere (sampled every few seconds during the run). */
    List<Violation> negativeAvailable() {
        List<Violation> found = new ArrayList<>();
        try (Connection c = connect("stock"); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT product_id, on_hand, reserved FROM stock_levels WHERE on_hand < reserved")) {
            while (r.next()) {
                found.add(new Violation("available-negative", r.getString(1), "product " + r.getString(1) + ": on_hand "
                        + r.getLong(2) + " < reserved " + r.getLong(3)));
            }
        } catch (SQLException e) {
            return List.of(); // a sample during a database fault is simply skipped
        }
        found.removeIf(v -> !reported.add(v.key()));
        return found;
    }

    private void money(Map<String, Long> paid, String when, List<Violation> found) throws SQLException {
        Map<String, String> status = new HashMap<>();
        Set<String> paidLongAgo = new HashSet<>();
        Map<String, String> attemptOrder = new HashMap<>();
        Set<String> settledAttempts = new HashSet<>();
        try (Connection c = connect("cartorder"); Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("SELECT order_id, status, paid_at IS NOT NULL AND paid_at < CURRENT_TIMESTAMP(3)"
                    + " - INTERVAL " + FULFIL_WITHIN.toSeconds() + " SECOND FROM orders")) {
                while (r.next()) {
                    status.put(r.getString(1), r.getString(2));
                    if (r.getBoolean(3)) {
                        paidLongAgo.add(r.getString(1));
                    }
                }
            }
            try (ResultSet r = s.executeQuery("SELECT attempt_id, order_id, created_at < CURRENT_TIMESTAMP(3) - INTERVAL "
                    + CHARGE_SETTLES_WITHIN.toSeconds() + " SECOND FROM payment_attempts")) {
                while (r.next()) {
                    attemptOrder.put(r.getString(1), r.getString(2));
                    if (r.getBoolean(3)) {
                        settledAttempts.add(r.getString(1));
                    }
                }
            }
        }
        Map<String, String> reservation = new HashMap<>();
        Set<String> heldLongAgo = new HashSet<>();
        try (Connection c = connect("stock"); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT order_id, status, status = 'RESERVED' AND created_at < CURRENT_TIMESTAMP(3)"
                     + " - INTERVAL " + CHARGE_SETTLES_WITHIN.toSeconds() + " SECOND FROM reservations")) {
            while (r.next()) {
                reservation.put(r.getString(1), r.getString(2));
                if (r.getBoolean(3)) {
                    heldLongAgo.add(r.getString(1));
                }
            }
        }
        // read after the orders: an order the first read did not see cannot be behind an old reservation
        for (String order : heldLongAgo) {
            String s = status.get(order);
            if (!"PENDING_PAYMENT".equals(s)) {
                found.add(new Violation("reservation-without-open-order", order, "stock holds units for order " + order
                        + " (RESERVED for more than " + CHARGE_SETTLES_WITHIN.toSeconds() + " s), which is "
                        + (s == null ? "unknown to cartorder" : s)));
            }
        }
        // after the databases: a charge is written to the ledger before its order can be PAID, so
        // every paid order read above finds its charge here
        Ledger charges = Ledger.read(ledger);
        long now = System.nanoTime();
        paid.forEach((order, at) -> {
            String s = status.get(order);
            if (!"PAID".equals(s) && !"FULFILLED".equals(s)) {
                found.add(new Violation("paid-answer-not-kept", order, "pay answered 200 for order " + order
                        + ", which is " + s));
            } else if (now - at > FULFIL_WITHIN.toNanos() && !"FULFILLED".equals(s)) {
                found.add(new Violation("paid-not-fulfilled", order + when, "order " + order + when + " paid "
                        + (now - at) / 1_000_000_000 + " s ago is still " + s + " (stock reservation: "
                        + reservation.getOrDefault(order, "none") + ")"));
            }
        });
        for (String order : paidLongAgo) {
            String s = status.get(order);
            String held = reservation.getOrDefault(order, "none");
            if ("PAID".equals(s)) {
                found.add(new Violation("paid-not-fulfilled", order + when, "order " + order + when + " has been PAID for more than "
                        + FULFIL_WITHIN.toSeconds() + " s (stock reservation: " + held + ")"));
            }
            if (("PAID".equals(s) || "FULFILLED".equals(s)) && !"COMMITTED".equals(held)) {
                found.add(new Violation("paid-without-stock", order + when, "order " + order + when + " is " + s
                        + " but its stock reservation is " + held));
            }
        }
        Map<String, List<String>> approvedByOrder = new HashMap<>();
        charges.approved().forEach((attempt, order) -> approvedByOrder.computeIfAbsent(order, o -> new ArrayList<>()).add(attempt));
        approvedByOrder.forEach((order, attempts) -> {
            String s = status.getOrDefault(order, "unknown");
            long refunded = attempts.stream().filter(charges.refunded()::contains).count();
            long kept = attempts.size() - refunded;
            // an attempt the database read did not see yet is new, so not settled
            boolean settled = attempts.stream().allMatch(settledAttempts::contains);
            switch (s) {
                case "PAID", "FULFILLED" -> {
                    if (attempts.size() != 1) {
                        found.add(new Violation("one-charge-per-paid-order", order, "order " + order + " (" + s + ") has "
                                + attempts.size() + " approved charges"));
                    }
                    if (refunded > 0) {
                        found.add(new Violation("refund-on-paid-order", order, "order " + order + " is " + s
                                + " and " + refunded + " of its charges was refunded"));
                    }
                }
                case "CANCELLED" -> {
                    if (kept > 0 && settled) {
                        found.add(new Violation("charge-kept-on-cancelled-order", order, "order " + order
                                + " is CANCELLED but " + kept + " approved charge(s) were never refunded"));
                    }
                }
                default -> {
                    if (kept > 0 && settled) {
                        found.add(new Violation("charged-but-not-paid", order, "order " + order + " is " + s
                                + " with " + kept + " approved charge(s) older than "
                                + CHARGE_SETTLES_WITHIN.toSeconds() + " s"));
                    }
                }
            }
        });
        for (Map.Entry<String, String> e : status.entrySet()) {
            if (("PAID".equals(e.getValue()) || "FULFILLED".equals(e.getValue())) && !approvedByOrder.containsKey(e.getKey())) {
                found.add(new Violation("paid-without-charge", e.getKey(), "order " + e.getKey() + " is " + e.getValue()
                        + " but the provider approved no charge for it"));
            }
        }
    }

    /** One consistent read of stock: on_hand + committed = initial, reserved = open reservations. */
    private void stock(List<Violation> found) throws SQLException {
        Map<String, long[]> levels = new HashMap<>();
        Map<String, Long> committed = new HashMap<>();
        Map<String, Long> open = new HashMap<>();
        try (Connection c = connect("stock")) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement s = c.createStatement()) {
                s.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
                try (ResultSet r = s.executeQuery("SELECT product_id, on_hand, reserved FROM stock_levels")) {
                    while (r.next()) {
                        levels.put(r.getString(1), new long[] {r.getLong(2), r.getLong(3)});
                    }
                }
                try (ResultSet r = s.executeQuery("SELECT l.product_id, r.status, SUM(l.quantity) FROM reservation_lines l"
                        + " JOIN reservations r ON r.order_id = l.order_id WHERE r.status IN ('COMMITTED', 'RESERVED')"
                        + " GROUP BY l.product_id, r.status")) {
                    while (r.next()) {
                        (r.getString(2).equals("COMMITTED") ? committed : open).put(r.getString(1), r.getLong(3));
                    }
                }
            } finally {
                c.rollback();
            }
        }
        for (Map.Entry<String, long[]> e : levels.entrySet()) {
            String product = e.getKey();
            long onHand = e.getValue()[0];
            long reserved = e.getValue()[1];
            long sold = committed.getOrDefault(product, 0L);
            Long initial = initialOnHand.get(product);
            if (initial != null && onHand + sold != initial) {
                found.add(new Violation("stock-conserved", product + " " + (onHand + sold - initial), "product " + product
                        + ": on_hand " + onHand + " + committed " + sold + " = " + (onHand + sold)
                        + ", initial on_hand was " + initial));
            }
            long held = open.getOrDefault(product, 0L);
            if (reserved != held) {
                found.add(new Violation("reserved-matches-reservations", product + " " + (reserved - held), "product "
                        + product + ": reserved " + reserved + ", open reservations hold " + held));
            }
            if (onHand < reserved) {
                found.add(new Violation("available-negative", product, "product " + product + ": on_hand " + onHand
                        + " < reserved " + reserved));
            }
        }
    }

    private void events(boolean strict, List<Violation> found) {
        try {
            deadLetters(found);
            outboxes(strict, found);
            consumers(strict, found);
        } catch (SQLException e) {
            found.add(new Violation("check-failed", "outbox", "the outboxes could not be read: " + e.getMessage()));
        } catch (Exception e) {
            found.add(new Violation("check-failed", "kafka", "Kafka could not be read: " + e));
        }
    }

    private void deadLetters(List<Violation> found) throws Exception {
        List<TopicPartition> partitions = new ArrayList<>();
        kafka().describeTopics(kafka().listTopics().names().get(10, TimeUnit.SECONDS).stream()
                        .filter(t -> t.endsWith(".dlt")).toList())
                .allTopicNames().get(10, TimeUnit.SECONDS)
                .forEach((topic, d) -> d.partitions().forEach(p -> partitions.add(new TopicPartition(topic, p.partition()))));
        Map<TopicPartition, Long> end = offsets(partitions, OffsetSpec.latest());
        Map<TopicPartition, Long> start = offsets(partitions, OffsetSpec.earliest());
        Map<String, Long> count = new LinkedHashMap<>();
        end.forEach((tp, offset) -> count.merge(tp.topic(), offset - start.getOrDefault(tp, 0L), Long::sum));
        count.forEach((topic, n) -> {
            if (n > 0) {
                found.add(new Violation("dead-letters", topic + " " + n, n + " event(s) in " + topic));
            }
        });
    }

    private void outboxes(boolean strict, List<Violation> found) throws SQLException {
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        for (String service : databases.keySet()) {
            while (true) {
                long unsent;
                long oldestSeconds;
                try (Connection c = connect(service); Statement s = c.createStatement();
                     ResultSet r = s.executeQuery("SELECT COUNT(*), COALESCE(TIMESTAMPDIFF(SECOND, MIN(created_at),"
                             + " CURRENT_TIMESTAMP(6)), 0) FROM outbox WHERE sent_at IS NULL")) {
                    r.next();
                    unsent = r.getLong(1);
                    oldestSeconds = r.getLong(2);
                }
                boolean ok = strict ? unsent == 0 : oldestSeconds <= CATCH_UP.toSeconds();
                if (ok) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    found.add(new Violation("outbox-drained", service + (strict ? " end" : " " + oldestSeconds / 60),
                            "kedai_" + service + ".outbox holds " + unsent + " unsent event(s), the oldest "
                                    + oldestSeconds + " s old"));
                    break;
                }
                LockSupport.parkNanos(Duration.ofMillis(500).toNanos()); // polling the relay's progress
            }
        }
    }

    /** Every group reaches, within {@link #CATCH_UP}, the end its topics had when the check began. */
    private void consumers(boolean strict, List<Violation> found) throws Exception {
        Map<String, Map<TopicPartition, Long>> targets = new LinkedHashMap<>();
        for (GroupListing group : kafka().listGroups().all().get(10, TimeUnit.SECONDS)) {
            Map<TopicPartition, OffsetAndMetadata> committed = kafka().listConsumerGroupOffsets(group.groupId())
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            targets.put(group.groupId(), offsets(new ArrayList<>(committed.keySet()), OffsetSpec.latest()));
        }
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        for (Map.Entry<String, Map<TopicPartition, Long>> group : targets.entrySet()) {
            while (true) {
                Map<TopicPartition, OffsetAndMetadata> committed = kafka().listConsumerGroupOffsets(group.getKey())
                        .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                long behind = 0;
                for (Map.Entry<TopicPartition, Long> target : group.getValue().entrySet()) {
                    OffsetAndMetadata at = committed.get(target.getKey());
                    behind += Math.max(0, target.getValue() - (at == null ? 0 : at.offset()));
                }
                if (behind == 0) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    found.add(new Violation("consumers-caught-up", group.getKey() + (strict ? " end" : " " + behind / 100),
                            "consumer group " + group.getKey() + " is " + behind + " event(s) behind after "
                                    + CATCH_UP.toSeconds() + " s"));
                    break;
                }
                LockSupport.parkNanos(Duration.ofMillis(500).toNanos()); // polling the consumer's progress
            }
        }
    }

    private Map<TopicPartition, Long> offsets(List<TopicPartition> partitions, OffsetSpec spec) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, spec));
        Map<TopicPartition, Long> result = new HashMap<>();
        if (request.isEmpty()) {
            return result;
        }
        kafka().listOffsets(request).all().get(10, TimeUnit.SECONDS).forEach((tp, info) -> result.put(tp, info.offset()));
        return result;
    }

    private Connection connect(String service) throws SQLException {
        return connect(databases.get(service));
    }

    private static Connection connect(DbAccount account) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", account.user());
        p.setProperty("password", account.password());
        p.setProperty("connectTimeout", "5000");
        p.setProperty("socketTimeout", "30000");
        return DriverManager.getConnection(account.url(), p);
    }

    private synchronized Admin kafka() {
        if (kafka == null) {
            kafka = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap,
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000,
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000));
        }
        return kafka;
    }

    @Override
    public synchronized void close() {
        if (kafka != null) {
            kafka.close(Duration.ofSeconds(5));
        }
    }

    /**
     * The sandbox provider's ledger ({@code payment.sandbox.ledger}): approved attempts and their
     * orders, refunded attempts.
     */
    record Ledger(Map<String, String> approved, Set<String> refunded) {

        static Ledger read(Path file) {
            Map<String, String> approved = new HashMap<>();
            Set<String> refunded = new HashSet<>();
            if (!Files.exists(file)) {
                return new Ledger(approved, refunded);
            }
            try {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    String[] f = line.split("\t", -1);
                    if (f[0].equals("approved") && f.length >= 3) {
                        approved.put(f[1], f[2]);
                    } else if (f[0].equals("refund") && f.length >= 2) {
                        refunded.add(f[1]);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the sandbox ledger " + file, e);
            }
            return new Ledger(approved, refunded);
        }
    }
}

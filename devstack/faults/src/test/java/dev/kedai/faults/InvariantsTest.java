package dev.kedai.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import dev.kedai.devstack.StackConfig;
import dev.kedai.infra.DbAccount;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.db.Database;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The money and stock invariants against the real cartorder and stock schemas (their own
 * migrations, from the checkout) and a sandbox ledger file: a consistent world passes, and each
 * way of breaking it is named.
 */
class InvariantsTest {

    private static final String PRODUCT = "00000000-0000-0000-0000-0000000000p1";

    @TempDir
    Path dir;

    private DbAccount stock;
    private DbAccount cartorder;
    private Path ledger;

    @BeforeEach
    void schemas() throws Exception {
        Path root = StackConfig.findRepoRoot(Path.of("")).orElseThrow();
        stock = TestInfra.newDatabase("invariants_stock");
        cartorder = TestInfra.newDatabase("invariants_cartorder");
        Database.migrate(stock.url(), stock.user(), stock.password(),
                List.of("filesystem:" + root.resolve("stock/src/main/resources/db/migration")));
        Database.migrate(cartorder.url(), cartorder.user(), cartorder.password(),
                List.of("filesystem:" + root.resolve("cartorder/src/main/resources/db/migration")));
        ledger = dir.resolve("sandbox-payments.tsv");
        // one order sold 2 units a minute ago: paid once, fulfilled, committed
        execute(stock, "INSERT INTO stock_levels (product_id, on_hand, reserved) VALUES ('" + PRODUCT + "', 98, 0)");
        sold("o1", "a1", "FULFILLED", "COMMITTED");
        Files.writeString(ledger, "approved\ta1\to1\tsbx_1\n");
    }

    @Test
    void aConsistentWorldHasNoViolation() {
        try (Invariants invariants = invariants()) {
            assertThat(invariants.checkState(Map.of("o1", System.nanoTime() - 60_000_000_000L))).isEmpty();
        }
    }

    @Test
    void eachBrokenInvariantIsNamedOnce() throws Exception {
        sold("o2", "a2", "FULFILLED", "COMMITTED");                          // refunded although fulfilled
        sold("o3", "a3", "PAID", "EXPIRED");                                 // paid, stock gone back
        sold("o4", "a4", "CANCELLED", "RELEASED");                           // cancelled, charge kept
        Files.writeString(ledger, "approved\ta2\to2\tsbx_2\nrefund\ta2\napproved\ta3\to3\tsbx_3\n"
                + "approved\ta4\to4\tsbx_4\n", java.nio.file.StandardOpenOption.APPEND);
        // o2 sold 2 more units, but on_hand did not move; 5 units are reserved by nobody; and
        // 1 unit is reserved for an order cartorder never made
        execute(stock, "UPDATE stock_levels SET reserved = 6 WHERE product_id = '" + PRODUCT + "'");
        execute(stock, "INSERT INTO reservations (order_id, status, expires_at, created_at) VALUES ('o5', 'RESERVED',"
                + " CURRENT_TIMESTAMP(3) + INTERVAL 10 MINUTE, CURRENT_TIMESTAMP(3) - INTERVAL 2 MINUTE)");
        execute(stock, "INSERT INTO reservation_lines (order_id, product_id, quantity) VALUES ('o5', '" + PRODUCT + "', 1)");

        try (Invariants invariants = invariants()) {
            List<Violation> found = invariants.checkState(Map.of());

            assertThat(found).extracting(Violation::invariant).containsExactlyInAnyOrder(
                    "refund-on-paid-order", "paid-not-fulfilled", "paid-without-stock", "charge-kept-on-cancelled-order",
                    "stock-conserved", "reserved-matches-reservations", "reservation-without-open-order");
            assertThat(found).filteredOn(v -> v.invariant().equals("paid-without-stock")).singleElement()
                    .extracting(Violation::detail).asString().contains("o3", "EXPIRED");
            assertThat(invariants.checkState(Map.of())).as("reported once").isEmpty();
        }
    }

    @Test
    void aPayThatAnswered200MustLeaveAPaidOrder() throws Exception {
        execute(cartorder, "UPDATE orders SET status = 'CANCELLED' WHERE order_id = 'o1'");

        try (Invariants invariants = invariants()) {
            assertThat(invariants.checkState(Map.of("o1", System.nanoTime()))).extracting(Violation::invariant)
                    .contains("paid-answer-not-kept");
        }
    }

    private Invariants invariants() {
        return new Invariants(Map.of("stock", stock, "cartorder", cartorder), "127.0.0.1:1", ledger,
                Map.of(PRODUCT, 100L));
    }

    /** An order of 2 units paid by {@code attempt} a minute ago, in state {@code status}; its reservation in {@code held}. */
    private void sold(String order, String attempt, String status, String held) throws SQLException {
        execute(cartorder, "INSERT INTO orders (order_id, user_id, status, total_amount, expires_at, paid_at)"
                + " VALUES ('" + order + "', 'u', '" + status + "', 25000, CURRENT_TIMESTAMP(3) + INTERVAL 15 MINUTE,"
                + " CURRENT_TIMESTAMP(3) - INTERVAL 90 SECOND)");
        execute(cartorder, "INSERT INTO payment_attempts (attempt_id, order_id, status, amount, currency, created_at)"
                + " VALUES ('" + attempt + "', '" + order + "', 'APPROVED', 25000, 'IDR', CURRENT_TIMESTAMP(3) - INTERVAL 2 MINUTE)");
        execute(stock, "INSERT INTO reservations (order_id, status, paid, expires_at) VALUES ('" + order + "', '" + held
                + "', TRUE, CURRENT_TIMESTAMP(3))");
        execute(stock, "INSERT INTO reservation_lines (order_id, product_id, quantity) VALUES ('" + order + "', '"
                + PRODUCT + "', 2)");
    }

    private static void execute(DbAccount account, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(account.url(), account.user(), account.password());
             Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}

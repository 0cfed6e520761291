package dev.kedai.infra;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatabasesTest {

    @Test
    void aServiceUserHasNoRightsOnAnotherServicesSchema() throws SQLException {
        InfraEndpoints infra = TestInfra.get();
        DbAccount stock = Databases.ensure(infra, "dbtest_stock", "stock-pw");
        DbAccount order = Databases.ensure(infra, "dbtest_order", "order-pw");
        assertThat(stock.url()).isEqualTo(infra.jdbcUrl("kedai_dbtest_stock"));
        assertThat(stock.user()).isEqualTo("dbtest_stock");

        try (Connection c = DriverManager.getConnection(order.url(), order.user(), order.password());
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS orders (id INT PRIMARY KEY)");
        }
        try (Connection c = DriverManager.getConnection(stock.url(), stock.user(), stock.password());
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS levels (id INT PRIMARY KEY)");
            assertThatThrownBy(() -> s.executeQuery("SELECT * FROM kedai_dbtest_order.orders"))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getErrorCode()).isIn(1044, 1142));
            assertThatThrownBy(() -> s.execute("CREATE DATABASE kedai_dbtest_evil"))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getErrorCode()).isIn(1044, 1142));
        }
        // Connecting to the other schema at all is refused.
        assertThatThrownBy(() -> DriverManager.getConnection(order.url(), stock.user(), stock.password()).close())
                .isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e).getErrorCode()).isIn(1044, 1142));
    }

    @Test
    void ensureIsIdempotentKeepsDataAndResetsThePassword() throws SQLException {
        InfraEndpoints infra = TestInfra.get();
        DbAccount first = Databases.ensure(infra, "dbtest_again", "old-pw");
        try (Connection c = DriverManager.getConnection(first.url(), first.user(), first.password());
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS kept (id INT PRIMARY KEY)");
            s.execute("REPLACE INTO kept VALUES (7)");
        }
        DbAccount again = Databases.ensure(infra, "dbtest_again", "new-pw");
        try (Connection c = DriverManager.getConnection(again.url(), again.user(), "new-pw");
             Statement s = c.createStatement();
             var rows = s.executeQuery("SELECT id FROM kept")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getInt(1)).isEqualTo(7);
        }
        assertThatThrownBy(() -> DriverManager.getConnection(first.url(), first.user(), "old-pw").close())
                .isInstanceOf(SQLException.class);
    }

    @Test
    void rejectsNamesThatWouldNeedQuoting() {
        assertThatThrownBy(() -> Databases.ensure(TestInfra.get(), "x'; DROP USER root; --", "pw"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Databases.ensure(TestInfra.get(), "Stock", "pw"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

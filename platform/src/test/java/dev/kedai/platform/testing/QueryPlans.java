package dev.kedai.platform.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import dev.kedai.infra.DbAccount;

/** What MariaDB's plan says of a statement, for tests that a purge or a hot query can use its index. */
public final class QueryPlans {

    private QueryPlans() {
    }

    /** The indexes the plan may use for {@code statement} on its first table (null for none). */
    public static String possibleKeys(DbAccount db, String statement, Object... args) {
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             PreparedStatement s = c.prepareStatement("EXPLAIN " + statement)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getString("possible_keys") : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}

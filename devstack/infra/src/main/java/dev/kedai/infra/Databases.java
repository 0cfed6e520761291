package dev.kedai.infra;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;

/**
 * One schema and one user per service, the user having rights on its schema only (DESIGN §3).
 * Idempotent: running it again keeps the data and resets the password to the one given.
 */
public final class Databases {

    /** Lower case so the names are the same on every file system MySQL may run on. */
    private static final Pattern SERVICE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,47}");

    private Databases() {
    }

    /** The schema of a service: {@code kedai_<service>}. */
    public static String schemaOf(String service) {
        return "kedai_" + requireValid(service);
    }

    /**
     * Creates schema {@code kedai_<service>} and user {@code <service>@'%'} with all rights on it.
     *
     * @return the account the service connects with
     */
    public static DbAccount ensure(InfraEndpoints infra, String service, String password) {
        String schema = schemaOf(service);
        if (password == null || password.isEmpty()) {
            throw new IllegalArgumentException("a database password is needed for " + service);
        }
        try (Connection c = DriverManager.getConnection(infra.jdbcUrl(""), infra.dbAdminUser(), infra.dbAdminPassword());
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS `" + schema + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
            // Identifiers cannot be bound; the name is validated above. The password is bound
            // (Connector/J substitutes it client-side as a quoted literal).
            try (PreparedStatement create = c.prepareStatement("CREATE USER IF NOT EXISTS '" + service + "'@'%' IDENTIFIED BY ?");
                 PreparedStatement alter = c.prepareStatement("ALTER USER '" + service + "'@'%' IDENTIFIED BY ?")) {
                create.setString(1, password);
                create.execute();
                alter.setString(1, password);
                alter.execute();
            }
            s.execute("GRANT ALL PRIVILEGES ON `" + schema + "`.* TO '" + service + "'@'%'");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot set up database " + schema + " at "
                    + infra.dbHost() + ":" + infra.dbPort() + ": " + e.getMessage(), e);
        }
        return new DbAccount(infra.jdbcUrl(schema), service, password);
    }

    /** Drops the schema and the user of a service (tests clean up with it). */
    public static void drop(InfraEndpoints infra, String service) {
        String schema = schemaOf(service);
        try (Connection c = DriverManager.getConnection(infra.jdbcUrl(""), infra.dbAdminUser(), infra.dbAdminPassword());
             Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS `" + schema + "`");
            s.execute("DROP USER IF EXISTS '" + service + "'@'%'");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop database " + schema + ": " + e.getMessage(), e);
        }
    }

    private static String requireValid(String service) {
        if (service == null || !SERVICE_NAME.matcher(service).matches()) {
            throw new IllegalArgumentException("service name must match " + SERVICE_NAME + ": " + service);
        }
        return service;
    }
}

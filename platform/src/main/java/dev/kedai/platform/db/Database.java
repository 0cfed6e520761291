package dev.kedai.platform.db;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.helidon.common.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.health.DbClientHealthCheck;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

import org.flywaydb.core.Flyway;

/**
 * A service's database: migrates the schema at start-up, then opens two Helidon DbClients
 * (Hikari pools when the jar is present) on it: one for requests ({@link #client()}) and a small
 * one for background work ({@link #background()}: event consumers, the outbox relay, sweepers,
 * purges, reconcilers). Requests can then never starve the consumers: a checkout burst that
 * holds every request connection on hot rows still leaves OrderPaid a connection to apply with.
 *
 * <p>Two Flyway histories live in each schema: the platform's own tables (outbox,
 * processed_events, from {@code classpath:db/platform}, history table
 * {@code flyway_platform_history}) and the service's migrations (default
 * {@code classpath:db/migration}, history table {@code flyway_schema_history}).
 * Each run baselines at version 0 when it finds the other's tables, so both
 * histories can start on a shared schema and every {@code V1__} still applies.
 *
 * <p>Every call is bounded: the driver connects within {@code connect-timeout} (default PT5S),
 * a statement runs at most {@code statement-timeout} (default PT10S; the server's own limit,
 * {@code max_statement_time} on MariaDB, {@code max_execution_time} for SELECTs on MySQL), and the
 * driver gives up on an answer after the statement timeout plus 5 s (its socket timeout: a server
 * that hangs cannot enforce its own limit). The pool lends a connection within Hikari's
 * {@code connection.connectionTimeout}. A URL that sets one of these driver properties keeps it.
 *
 * <p>Config node {@code db}: {@code source: jdbc}, {@code connection.url},
 * {@code connection.username}, {@code connection.password} (plus the request pool's Hikari
 * settings under {@code connection}), {@code background.*} (the background pool's Hikari settings,
 * each overriding the request pool's: default {@code maximumPoolSize: 4}, {@code minimumIdle: 1},
 * {@code connectionTimeout: 30000}, since a loop may wait where a request must not),
 * {@code connect-timeout}, {@code statement-timeout}, optional {@code migration.locations} (list)
 * and {@code migration.enabled} (default true).
 */
public final class Database implements AutoCloseable {

    public static final String PLATFORM_LOCATION = "classpath:db/platform";
    public static final String PLATFORM_HISTORY_TABLE = "flyway_platform_history";
    // a migration longer than this on another instance is a stuck one: fail the start, the orchestrator retries
    private static final java.time.Duration MIGRATION_LOCK_WAIT = java.time.Duration.ofMinutes(5);
    public static final String SERVICE_LOCATION = "classpath:db/migration";

    /** Hikari settings of the background pool unless {@code db.background} sets them. */
    static final Map<String, String> BACKGROUND_DEFAULTS = Map.of(
            "maximumPoolSize", "4",
            "minimumIdle", "1",
            "connectionTimeout", "30000");

    private final DbClient client;
    private final DbClient background;
    private final HealthCheck readiness;

    private Database(DbClient client, DbClient background) {
        this.client = client;
        this.background = background;
        this.readiness = new Readiness(DbClientHealthCheck.builder(client)
                .name("db")
                .query()
                .statement("SELECT 1")
                .timeout(Duration.ofSeconds(5))
                .build());
    }

    /**
     * Migrates (platform tables first, then the service's) and opens the client.
     *
     * @param db the {@code db} config node
     */
    public static Database start(Config db) {
        Config connection = db.get("connection");
        String url = connection.get("url").asString().get();
        String user = connection.get("username").asString().get();
        String password = connection.get("password").asString().orElse("");
        if (db.get("migration.enabled").asBoolean().orElse(true)) {
            List<String> locations = db.get("migration.locations").asList(String.class)
                    .orElse(List.of(SERVICE_LOCATION));
            migrate(url, user, password, locations);
        }
        Duration connect = db.get("connect-timeout").as(Duration.class).orElse(Duration.ofSeconds(5));
        Duration statement = db.get("statement-timeout").as(Duration.class).orElse(Duration.ofSeconds(10));
        Map<String, String> bounds = new java.util.LinkedHashMap<>();
        bounds.put("connectTimeout", Long.toString(connect.toMillis()));
        bounds.put("socketTimeout", Long.toString(statement.plusSeconds(5).toMillis()));
        bounds.put("sessionVariables", statementTimeout(url, user, password, connect, statement));
        String tuned = tunedUrl(url, bounds);
        Map<String, String> requests = Map.of("connection.url", tuned, "connection.poolName", "requests");
        return new Database(DbClient.create(withOverrides(db, requests)),
                            DbClient.create(withOverrides(db, backgroundSettings(db, tuned))));
    }

    /** The background pool: the request pool's settings, then {@link #BACKGROUND_DEFAULTS}, then {@code db.background}. */
    static Map<String, String> backgroundSettings(Config db, String url) {
        Map<String, String> settings = new java.util.LinkedHashMap<>();
        BACKGROUND_DEFAULTS.forEach((key, value) -> settings.put("connection." + key, value));
        Config own = db.get("background");
        if (own instanceof io.helidon.config.Config full && full.exists()) {
            full.detach().asMap().orElse(Map.of()).forEach((key, value) -> settings.put("connection." + key, value));
        }
        settings.put("connection.url", url);
        settings.put("connection.poolName", "background");
        return settings;
    }

    /**
     * The session variable that bounds a statement on this server: MariaDB's
     * {@code max_statement_time} (seconds, every statement) or MySQL's {@code max_execution_time}
     * (milliseconds, SELECTs only). Asks the server once which it is.
     */
    static String statementTimeout(String url, String user, String password, Duration connect, Duration timeout) {
        java.util.Properties props = new java.util.Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", Long.toString(connect.toMillis()));
        props.setProperty("socketTimeout", Long.toString(connect.toMillis()));
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, props)) {
            boolean mariaDb = c.getMetaData().getDatabaseProductVersion().toLowerCase(java.util.Locale.ROOT).contains("mariadb");
            return mariaDb ? "max_statement_time=" + timeout.toMillis() / 1000.0
                    : "max_execution_time=" + timeout.toMillis();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot reach the database at " + url + ": " + e.getMessage(), e);
        }
    }

    /**
     * Connector/J settings every service wants, unless the URL sets them: cache parsed statements
     * and server settings, and skip round trips for session state the driver already knows (the
     * DbClient sets auto-commit around every statement). Measured on GET /stock: preparing
     * statements and setting auto-commit took about a fifth of the service's CPU without them.
     */
    static final Map<String, String> DRIVER_DEFAULTS = Map.of(
            "cachePrepStmts", "true",
            "prepStmtCacheSize", "250",
            "prepStmtCacheSqlLimit", "2048",
            "cacheServerConfiguration", "true",
            "cacheResultSetMetadata", "true",
            "useLocalSessionState", "true",
            "elideSetAutoCommits", "true",
            "maintainTimeStats", "false");

    static String tunedUrl(String url) {
        return tunedUrl(url, Map.of());
    }

    /** The URL with {@link #DRIVER_DEFAULTS} and {@code more} added, except what it sets itself. */
    static String tunedUrl(String url, Map<String, String> more) {
        StringBuilder tuned = new StringBuilder(url);
        String query = url.contains("?") ? url.substring(url.indexOf('?') + 1) : "";
        char separator = url.contains("?") ? '&' : '?';
        Map<String, String> settings = new java.util.TreeMap<>(DRIVER_DEFAULTS);
        settings.putAll(more);
        for (var setting : settings.entrySet()) {
            if (!(("&" + query).contains("&" + setting.getKey() + "="))) {
                tuned.append(separator).append(setting.getKey()).append('=')
                        .append(java.net.URLEncoder.encode(setting.getValue(), java.nio.charset.StandardCharsets.UTF_8));
                separator = '&';
            }
        }
        return tuned.toString();
    }

    static Config withDriverDefaults(Config db, String url) {
        return withOverrides(db, Map.of("connection.url", tunedUrl(url)));
    }

    // the db node with these keys replaced (the first source wins)
    private static Config withOverrides(Config db, Map<String, String> overrides) {
        if (!(db instanceof io.helidon.config.Config full)) {
            return db;
        }
        return io.helidon.config.Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.create(overrides))
                .addSource(ConfigSources.create(full.detach()))
                .build();
    }

    /**
     * Runs the platform's and the service's migrations; a second run is a no-op. Instances starting
     * together take turns on a named lock of the schema: two that both found no history table used
     * to both create it, and the second died ("Unable to baseline … already exists, and is empty").
     */
    public static void migrate(String url, String user, String password, List<String> serviceLocations) {
        Objects.requireNonNull(url, "db.connection.url");
        try (java.sql.Connection lock = java.sql.DriverManager.getConnection(url, user, password);
             java.sql.Statement s = lock.createStatement()) {
            try (java.sql.ResultSet got = s.executeQuery("SELECT GET_LOCK(CONCAT('kedai.migrate.', DATABASE()), "
                                                         + MIGRATION_LOCK_WAIT.toSeconds() + ")")) {
                if (!got.next() || got.getInt(1) != 1) {
                    throw new IllegalStateException("another instance has been migrating this schema for "
                                                    + MIGRATION_LOCK_WAIT.toMinutes() + " minutes; not starting");
                }
            }
            try {
                runMigrations(url, user, password, serviceLocations);
            } finally {
                s.execute("DO RELEASE_LOCK(CONCAT('kedai.migrate.', DATABASE()))");
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot take the migration lock on " + url, e);
        }
    }

    private static void runMigrations(String url, String user, String password, List<String> serviceLocations) {
        Flyway.configure()
                .dataSource(url, user, password)
                .locations(PLATFORM_LOCATION)
                .table(PLATFORM_HISTORY_TABLE)
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
        Flyway.configure()
                .dataSource(url, user, password)
                .locations(serviceLocations.toArray(String[]::new))
                .baselineOnMigrate(true)
                .baselineVersion("0")
                // a service without migrations of its own is fine
                .failOnMissingLocations(false)
                .load()
                .migrate();
    }

    /** The request pool: HTTP and gRPC handlers. */
    public DbClient client() {
        return client;
    }

    /** The background pool: consumers, the relay, sweepers, purges, reconcilers. */
    public DbClient background() {
        return background;
    }

    /** Register on the admin health observer; it already reports as READINESS. */
    public HealthCheck readiness() {
        return readiness;
    }

    @Override
    public void close() {
        background.close();
        client.close();
    }

    // DbClientHealthCheck reports as LIVENESS by default; a database outage must take the
    // pod out of the load balancer, not restart it.
    private record Readiness(HealthCheck delegate) implements HealthCheck {
        @Override
        public HealthCheckType type() {
            return HealthCheckType.READINESS;
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public String path() {
            return delegate.path();
        }

        @Override
        public HealthCheckResponse call() {
            return delegate.call();
        }
    }
}

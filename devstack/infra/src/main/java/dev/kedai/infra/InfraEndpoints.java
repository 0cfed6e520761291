package dev.kedai.infra;

import java.util.Objects;
import java.util.Properties;

/**
 * Where the infrastructure answers. A part that is not known is null (host/URL) and 0 (port);
 * {@link InfraSettings#external()} uses such partial endpoints to say which servers already run.
 *
 * @param dbHost          MariaDB/MySQL host
 * @param dbPort          its port
 * @param dbAdminUser     a user allowed to create schemas and users (used by {@link Databases})
 * @param dbAdminPassword its password
 * @param redisUrl        {@code redis://host:port}
 * @param kafkaBootstrap  {@code host:port[,host:port...]}
 */
public record InfraEndpoints(String dbHost, int dbPort, String dbAdminUser, String dbAdminPassword,
                             String redisUrl, String kafkaBootstrap) {

    static final String DB_HOST = "kedai.db.host";
    static final String DB_PORT = "kedai.db.port";
    static final String DB_ADMIN_USER = "kedai.db.admin-user";
    static final String DB_ADMIN_PASSWORD = "kedai.db.admin-password";
    static final String REDIS_URL = "kedai.redis.url";
    static final String KAFKA_BOOTSTRAP = "kedai.kafka.bootstrap";

    /** Endpoints that name only a database. */
    public static InfraEndpoints db(String host, int port, String adminUser, String adminPassword) {
        return new InfraEndpoints(host, port, adminUser, adminPassword, null, null);
    }

    /** Endpoints that name only Redis. */
    public static InfraEndpoints redis(String url) {
        return new InfraEndpoints(null, 0, null, null, url, null);
    }

    /** Endpoints that name only Kafka. */
    public static InfraEndpoints kafka(String bootstrap) {
        return new InfraEndpoints(null, 0, null, null, null, bootstrap);
    }

    public boolean hasDb() {
        return dbHost != null;
    }

    public boolean hasRedis() {
        return redisUrl != null;
    }

    public boolean hasKafka() {
        return kafkaBootstrap != null;
    }

    /** The parts known here, completed by the parts of {@code other} that are not. */
    public InfraEndpoints orElse(InfraEndpoints other) {
        return new InfraEndpoints(hasDb() ? dbHost : other.dbHost, hasDb() ? dbPort : other.dbPort,
                hasDb() ? dbAdminUser : other.dbAdminUser, hasDb() ? dbAdminPassword : other.dbAdminPassword,
                hasRedis() ? redisUrl : other.redisUrl, hasKafka() ? kafkaBootstrap : other.kafkaBootstrap);
    }

    /** {@code jdbc:mysql://host:port/schema}. */
    public String jdbcUrl(String schema) {
        if (!hasDb()) {
            throw new IllegalStateException("no database in these endpoints");
        }
        return "jdbc:mysql://" + dbHost + ":" + dbPort + "/" + Objects.requireNonNull(schema, "schema");
    }

    /** The form {@code ./kedai test} hands to test JVMs (keys {@code kedai.db.host} ...). */
    public Properties toProperties() {
        Properties p = new Properties();
        if (hasDb()) {
            p.setProperty(DB_HOST, dbHost);
            p.setProperty(DB_PORT, Integer.toString(dbPort));
            p.setProperty(DB_ADMIN_USER, Objects.requireNonNullElse(dbAdminUser, ""));
            p.setProperty(DB_ADMIN_PASSWORD, Objects.requireNonNullElse(dbAdminPassword, ""));
        }
        if (hasRedis()) {
            p.setProperty(REDIS_URL, redisUrl);
        }
        if (hasKafka()) {
            p.setProperty(KAFKA_BOOTSTRAP, kafkaBootstrap);
        }
        return p;
    }

    /** The inverse of {@link #toProperties()}; parts whose keys are missing stay unknown. */
    public static InfraEndpoints fromProperties(Properties p) {
        String host = p.getProperty(DB_HOST);
        int port = host == null ? 0 : Integer.parseInt(p.getProperty(DB_PORT, "3306").trim());
        return new InfraEndpoints(host, port,
                host == null ? null : p.getProperty(DB_ADMIN_USER),
                host == null ? null : p.getProperty(DB_ADMIN_PASSWORD),
                p.getProperty(REDIS_URL), p.getProperty(KAFKA_BOOTSTRAP));
    }

    /** Never prints the admin password. */
    @Override
    public String toString() {
        return "InfraEndpoints[db=" + (hasDb() ? dbHost + ":" + dbPort + " (admin " + dbAdminUser + ")" : "-")
                + ", redis=" + (hasRedis() ? redisUrl : "-")
                + ", kafka=" + (hasKafka() ? kafkaBootstrap : "-") + "]";
    }
}

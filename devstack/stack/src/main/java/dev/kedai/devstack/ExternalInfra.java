package dev.kedai.devstack;

import java.net.URI;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.kedai.infra.InfraSettings;

/**
 * Servers that are already running and replace the embedded ones (each part on its own).
 *
 * @param dbUrl           {@code jdbc:mysql://host[:port][/...]} of a MySQL/MariaDB server
 * @param dbAdminUser     a user allowed to create databases and users there
 * @param dbAdminPassword its password
 * @param redisUrl        {@code redis://host:port}
 * @param kafkaBootstrap  {@code host:port[,host:port]}
 */
public record ExternalInfra(Optional<String> dbUrl,
                            Optional<String> dbAdminUser,
                            Optional<String> dbAdminPassword,
                            Optional<String> redisUrl,
                            Optional<String> kafkaBootstrap) {

    public static final ExternalInfra NONE =
            new ExternalInfra(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    private static final Pattern DB_URL = Pattern.compile("^(?:jdbc:)?(?:mysql|mariadb)://([^:/?]+)(?::(\\d+))?(?:[/?].*)?$");
    private static final Pattern BOOTSTRAP = Pattern.compile("^[^,:\\s]+:\\d+(,[^,:\\s]+:\\d+)*$");

    public boolean any() {
        return dbUrl.isPresent() || redisUrl.isPresent() || kafkaBootstrap.isPresent();
    }

    /** Fails with a {@link UsageException} naming the flag whose value cannot be used. */
    public void validate() {
        if (dbUrl.isEmpty() && (dbAdminUser.isPresent() || dbAdminPassword.isPresent())) {
            throw new UsageException("--db-admin-user/--db-admin-password go with --db-url");
        }
        if (dbUrl.isPresent() && dbAdminUser.isEmpty()) {
            throw new UsageException("--db-url needs --db-admin-user (and --db-admin-password)");
        }
        dbUrl.ifPresent(ExternalInfra::dbMatcher);
        redisUrl.ifPresent(url -> {
            URI uri = URI.create(url);
            if (!"redis".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
                throw new UsageException("--redis-url wants redis://host:port, not " + url);
            }
        });
        kafkaBootstrap.ifPresent(bootstrap -> {
            if (!BOOTSTRAP.matcher(bootstrap).matches()) {
                throw new UsageException("--kafka-bootstrap wants host:port[,host:port], not " + bootstrap);
            }
        });
    }

    /** {@code settings} with the parts given here marked external (they are then not started). */
    public InfraSettings applyTo(InfraSettings settings) {
        InfraSettings result = settings;
        if (dbUrl.isPresent()) {
            Matcher m = dbMatcher(dbUrl.get());
            int port = m.group(2) == null ? 3306 : Integer.parseInt(m.group(2));
            result = result.withExternalDb(m.group(1), port, dbAdminUser.orElseThrow(), dbAdminPassword.orElse(""));
        }
        if (redisUrl.isPresent()) {
            result = result.withExternalRedis(redisUrl.get());
        }
        if (kafkaBootstrap.isPresent()) {
            result = result.withExternalKafka(kafkaBootstrap.get());
        }
        return result;
    }

    private static Matcher dbMatcher(String url) {
        Matcher m = DB_URL.matcher(url);
        if (!m.matches()) {
            throw new UsageException("--db-url wants jdbc:mysql://host:port, not " + url);
        }
        return m;
    }
}

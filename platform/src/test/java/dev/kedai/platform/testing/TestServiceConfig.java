package dev.kedai.platform.testing;

import java.util.HashMap;
import java.util.Map;

import dev.kedai.infra.DbAccount;
import dev.kedai.infra.InfraEndpoints;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.security.TestTokens;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

/**
 * The root configuration of a service started in-process by its tests: the service's own
 * {@code application.yaml} under overrides that point it at the test servers ({@link TestInfra}),
 * a fresh database account, the JWKS of {@link TestTokens}, free ports on 127.0.0.1 (HTTP,
 * admin, gRPC) and the service's own gRPC certificate ({@link TestIdentities}). Environment variables and system properties are left out so a developer's
 * shell cannot change a test.
 *
 * <pre>{@code
 * Config config = TestServiceConfig.of(TestInfra.newDatabase("stock"), tokens, Map.of());
 * KedaiServer server = Main.start(config);
 * }</pre>
 */
public final class TestServiceConfig {

    /**
     * Every service a test JVM starts puts this before its topic names: one Kafka serves the whole
     * test run (./kedai test), and one module's events must not reach another module's services.
     */
    public static final String TOPIC_PREFIX = "test-" + java.util.UUID.randomUUID().toString().substring(0, 8) + ".";

    private TestServiceConfig() {
    }

    /** The name the services under test use for {@code topic} (e.g. {@code Topics.PRODUCT}). */
    public static String topic(String topic) {
        return TOPIC_PREFIX + topic;
    }

    /** {@link #topic} of each. */
    public static java.util.List<String> topics(java.util.Collection<String> topics) {
        return topics.stream().map(TestServiceConfig::topic).toList();
    }

    /** The overrides alone, as flat keys (e.g. to pass as {@code -D} options). */
    public static Map<String, String> overrides(DbAccount db, TestTokens tokens) {
        InfraEndpoints infra = TestInfra.get();
        Map<String, String> m = new HashMap<>(tokens.config());
        m.put("server.host", "127.0.0.1");
        m.put("server.port", "0");
        m.put("server.sockets.0.name", "admin");
        m.put("server.sockets.0.host", "127.0.0.1");
        m.put("server.sockets.0.port", "0");
        m.put("grpc.port", "0");
        m.put("db.source", "jdbc");
        m.put("db.connection.url", db.url());
        m.put("db.connection.username", db.user());
        m.put("db.connection.password", db.password());
        m.put("kafka.bootstrap-servers", infra.kafkaBootstrap());
        m.put("kafka.topic-prefix", TOPIC_PREFIX);
        m.put("redis.url", infra.redisUrl());
        return m;
    }

    /**
     * {@link #overrides} and the service's gRPC identity (named by {@code service.name} of its
     * {@code application.yaml}, see {@link TestIdentities}), plus {@code extra} (which wins), over
     * the classpath's {@code application.yaml}.
     */
    public static Config of(DbAccount db, TestTokens tokens, Map<String, String> extra) {
        Map<String, String> m = overrides(db, tokens);
        Config yaml = Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .addSource(ConfigSources.classpath("application.yaml")).build();
        yaml.get("service.name").asString().ifPresent(name -> m.putAll(TestIdentities.config(name)));
        m.putAll(extra);
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.create(m))
                .addSource(ConfigSources.classpath("application.yaml"))
                .build();
    }
}

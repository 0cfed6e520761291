package dev.kedai.platform.health;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import io.helidon.common.config.Config;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * Readiness of the Kafka brokers a service publishes to (outbox relay) or consumes from: up when
 * the cluster answers {@code describeCluster} within the timeout. One admin client is kept open
 * (creating one per probe would cost a connection and a metadata round trip each time).
 *
 * <pre>{@code
 * KafkaReadiness kafka = KafkaReadiness.create(config);
 * KedaiServer.builder("stock", config).readiness(db.readiness(), kafka).onStop(kafka) ...
 * }</pre>
 */
public final class KafkaReadiness implements HealthCheck, AutoCloseable {

    private final Admin admin;
    private final Duration timeout;

    public KafkaReadiness(String bootstrapServers, Duration timeout) {
        this.timeout = timeout;
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "kedai-readiness");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        // a broker that is down must not be reconnected to in a tight loop between probes
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000);
        this.admin = Admin.create(p);
    }

    /** From {@code kafka.bootstrap-servers}; {@code kafka.readiness-timeout} (default PT2S). */
    public static KafkaReadiness create(Config root) {
        return new KafkaReadiness(root.get("kafka.bootstrap-servers").asString().get(),
                                  root.get("kafka.readiness-timeout").as(Duration.class).orElse(Duration.ofSeconds(2)));
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.READINESS;
    }

    @Override
    public String name() {
        return "kafka";
    }

    @Override
    public HealthCheckResponse call() {
        try {
            int nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
                    .nodes().get(timeout.toMillis() + 500, TimeUnit.MILLISECONDS).size();
            return HealthCheckResponse.builder().status(nodes > 0).detail("brokers", nodes).build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return down(e);
        } catch (Exception e) {
            return down(e);
        }
    }

    private static HealthCheckResponse down(Exception e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        return HealthCheckResponse.builder().status(false).detail("error", String.valueOf(cause.getMessage())).build();
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(2));
    }
}

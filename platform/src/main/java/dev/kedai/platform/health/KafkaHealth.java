package dev.kedai.platform.health;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.helidon.common.config.Config;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * Whether the Kafka brokers answer {@code describeCluster} within the timeout ({@link DependencyHealth}:
 * health details, {@code kedai_dependency_up{dependency="kafka"}}, never readiness). One admin
 * client is kept open (one per probe would cost a connection and a metadata round trip each time).
 */
public final class KafkaHealth extends DependencyHealth implements AutoCloseable {

    private final Admin admin;
    private final Duration timeout;

    public KafkaHealth(String bootstrapServers, Duration timeout) {
        super("kafka");
        this.timeout = timeout;
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "kedai-health");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        // a broker that is down must not be reconnected to in a tight loop between probes
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000);
        this.admin = Admin.create(p);
    }

    /** From {@code kafka.bootstrap-servers}; {@code kafka.health-timeout} (default PT2S). */
    public static KafkaHealth create(Config root) {
        return new KafkaHealth(root.get("kafka.bootstrap-servers").asString().get(),
                               root.get("kafka.health-timeout").as(Duration.class).orElse(Duration.ofSeconds(2)));
    }

    @Override
    protected String check() {
        try {
            int nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
                    .nodes().get(timeout.toMillis() + 500, TimeUnit.MILLISECONDS).size();
            return nodes > 0 ? null : "no broker in the cluster";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (ExecutionException e) {
            return String.valueOf(e.getCause().getMessage());
        } catch (Exception e) {
            return String.valueOf(e.getMessage());
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(2));
    }
}

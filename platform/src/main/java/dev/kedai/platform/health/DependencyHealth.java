package dev.kedai.platform.health;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;

/**
 * The state of a dependency a pod can serve without (Kafka: events wait in the outbox; Redis: the
 * cache is skipped), as last probed by the backbone's probe loop ({@link #probe()}, every few
 * seconds), so neither a health request nor a scrape ever waits on it.
 *
 * <p>It is NOT part of readiness: a broker or Redis outage must not take every pod of every service
 * out of its Service at once. It shows in three places instead: this check's details on
 * {@code /observe/health/ready} (the check itself always reports UP; its {@code state} detail says
 * UP or DOWN, with the error and since when), the gauge {@code kedai_dependency_up{dependency}} (1
 * or 0; NaN before the first probe), and the alerts built on that gauge.
 */
public abstract class DependencyHealth implements HealthCheck {

    /** Prometheus {@code kedai_dependency_up}. */
    public static final String GAUGE = "kedai.dependency.up";

    // the gauge reads the latest instance per dependency (one per process; tests make several)
    private static final Map<String, DependencyHealth> LATEST = new ConcurrentHashMap<>();

    private final String name;
    private volatile Boolean up;
    private volatile String error;
    private volatile Instant since = Instant.now();

    protected DependencyHealth(String name) {
        this.name = name;
        LATEST.put(name, this);
        Metrics.globalRegistry().getOrCreate(Gauge.builder(GAUGE, () -> DependencyHealth.value(LATEST.get(name)))
                .description("1 when the service's last probe reached the dependency, 0 when not (not part of readiness)")
                .tags(List.of(Tag.create("dependency", name))));
    }

    private static double value(DependencyHealth health) {
        Boolean state = health == null ? null : health.up;
        return state == null ? Double.NaN : state ? 1 : 0;
    }

    /** Asks the dependency once (bounded by its timeout) and records the answer. */
    public final void probe() {
        String failure;
        try {
            failure = check();
        } catch (RuntimeException e) {
            failure = String.valueOf(e.getMessage());
        }
        boolean nowUp = failure == null;
        if (up == null || up != nowUp) {
            since = Instant.now();
        }
        up = nowUp;
        error = failure;
    }

    /** One probe; null when the dependency answered, else why not. */
    protected abstract String check();

    /** Whether the last probe reached it (false before the first). */
    public boolean up() {
        return Boolean.TRUE.equals(up);
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.READINESS;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public HealthCheckResponse call() {
        Boolean state = up;
        HealthCheckResponse.Builder response = HealthCheckResponse.builder()
                .status(true)   // informational: see the class comment
                .detail("state", state == null ? "UNKNOWN" : state ? "UP" : "DOWN")
                .detail("since", since.toString())
                .detail("for", Duration.between(since, Instant.now()).toSeconds() + " s");
        if (error != null) {
            response.detail("error", error);
        }
        return response.build();
    }
}

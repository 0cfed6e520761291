package dev.kedai.platform.events;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * The gauge {@code kedai_consumer_records_lag_max{group}}: the Kafka consumer's own
 * {@code records-lag-max} (the largest number of records any partition it reads is behind, over
 * the consumer's metric window), exported by the service itself so alert
 * {@code KedaiConsumerLag} needs no Kafka exporter. NaN until the consumer's first fetch.
 *
 * <p>Kafka's value goes NaN when the consumer has fetched nothing for a window (say its handler is
 * stuck retrying): the gauge then keeps the last value it saw, so a lag that was growing does not
 * vanish from the alert exactly when the consumer stops moving.
 *
 * <p>Read from the scrape thread: only {@link Metric#metricValue()} is called there, which Kafka
 * makes safe to call from any thread (the consumer itself is not).
 */
final class ConsumerLag implements AutoCloseable {

    static final String GAUGE = "kedai.consumer.records.lag.max";

    private static final System.Logger LOG = System.getLogger(ConsumerLag.class.getName());
    // one consumer per group in a service; tests may start a group again in one JVM: the latest wins
    private static final Map<String, ConsumerLag> BY_GROUP = new ConcurrentHashMap<>();

    private final String group;
    private final Metric recordsLagMax;
    private volatile double last = Double.NaN;

    private ConsumerLag(String group, Metric recordsLagMax) {
        this.group = group;
        this.recordsLagMax = recordsLagMax;
    }

    /** Starts exporting the lag of {@code consumer}, the consumer of {@code group}; call from the thread that made it. */
    static ConsumerLag watch(Consumer<?, ?> consumer, String group) {
        Metric metric = null;
        for (Map.Entry<MetricName, ? extends Metric> e : consumer.metrics().entrySet()) {
            MetricName name = e.getKey();
            if (name.name().equals("records-lag-max") && name.group().equals("consumer-fetch-manager-metrics")
                    && !name.tags().containsKey("topic")) {
                metric = e.getValue();
            }
        }
        if (metric == null) {
            LOG.log(Level.WARNING, "the Kafka consumer of " + group + " has no records-lag-max metric: its lag is not exported");
        }
        ConsumerLag lag = new ConsumerLag(group, metric);
        BY_GROUP.put(group, lag);
        Metrics.globalRegistry().getOrCreate(Gauge.builder(GAUGE, () -> current(group))
                .description("Largest lag in records of the partitions this consumer group's consumer reads (Kafka's records-lag-max)")
                .tags(List.of(Tag.create("group", group))));
        return lag;
    }

    private static Double current(String group) {
        ConsumerLag lag = BY_GROUP.get(group);
        return lag == null ? Double.NaN : lag.value();
    }

    double value() {
        if (recordsLagMax != null && recordsLagMax.metricValue() instanceof Number n && Double.isFinite(n.doubleValue())) {
            last = n.doubleValue();
        }
        return last;
    }

    /** Stops exporting this consumer's lag (the gauge reads NaN until the group's next consumer). */
    @Override
    public void close() {
        BY_GROUP.remove(group, this);
    }
}

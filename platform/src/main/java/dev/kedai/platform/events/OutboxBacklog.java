package dev.kedai.platform.events;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Metrics;

/**
 * The gauge {@code kedai_outbox_backlog}: outbox rows not yet published to Kafka, as last
 * counted by the running relays of this process (each relay refreshes its count from its loop,
 * at most every few seconds, so a scrape never runs a query). A backlog that keeps growing means
 * Kafka or the relay is down; alert {@code KedaiOutboxBacklog}.
 */
final class OutboxBacklog {

    static final String GAUGE = "kedai.outbox.backlog";

    // one relay per service process; tests start several services in one JVM, so the gauge sums
    private static final Set<OutboxRelay> RELAYS = ConcurrentHashMap.newKeySet();

    static {
        Metrics.globalRegistry().getOrCreate(Gauge.builder(GAUGE, OutboxBacklog::total)
                .description("Outbox rows not yet published to Kafka (refreshed by the relay loop)"));
    }

    private OutboxBacklog() {
    }

    static void register(OutboxRelay relay) {
        RELAYS.add(relay);
    }

    static void deregister(OutboxRelay relay) {
        RELAYS.remove(relay);
    }

    private static Long total() {
        return RELAYS.stream().mapToLong(OutboxRelay::lastBacklog).sum();
    }
}

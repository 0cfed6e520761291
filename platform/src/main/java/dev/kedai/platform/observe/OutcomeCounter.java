package dev.kedai.platform.observe;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;

/**
 * A business counter with one label whose values are known up front, e.g.
 * {@code kedai_stock_reservations_total{outcome="reserved"}}. Every value is registered at
 * creation, so a dashboard shows 0 (and a ratio or rate has a series) before the first event
 * instead of "no data". Recorded into Helidon's global registry, shown at {@code /observe/metrics}.
 *
 * <pre>{@code
 * OutcomeCounter lookups = OutcomeCounter.create("kedai.product.cache.lookups",
 *         "Product cache lookups by outcome", "outcome", "hit", "miss");
 * lookups.increment("hit");   // kedai_product_cache_lookups_total{outcome="hit"}
 * }</pre>
 */
public final class OutcomeCounter {

    private final String name;
    private final Map<String, Counter> counters;

    private OutcomeCounter(String name, Map<String, Counter> counters) {
        this.name = name;
        this.counters = counters;
    }

    /**
     * @param name   dotted Helidon name; Prometheus shows it with {@code _} and a {@code _total} suffix
     * @param label  the label's name
     * @param values every value the label can take
     */
    public static OutcomeCounter create(String name, String description, String label, String... values) {
        return create(Metrics.globalRegistry(), name, description, List.of(), label, values);
    }

    /** As {@link #create(String, String, String, String...)}, with fixed tags on every series. */
    public static OutcomeCounter create(MeterRegistry registry, String name, String description, List<Tag> fixed,
                                        String label, String... values) {
        Map<String, Counter> counters = List.of(values).stream().collect(Collectors.toUnmodifiableMap(
                Function.identity(),
                value -> registry.getOrCreate(Counter.builder(name)
                        .description(description)
                        .tags(concat(fixed, Tag.create(label, value))))));
        return new OutcomeCounter(name, counters);
    }

    /** Counts one event of this outcome; an undeclared value is a programming error. */
    public void increment(String value) {
        increment(value, 1);
    }

    /** Counts {@code amount} events of this outcome. */
    public void increment(String value, long amount) {
        Counter counter = counters.get(value);
        if (counter == null) {
            throw new IllegalArgumentException(name + " has no value " + value + " (declared: " + counters.keySet() + ")");
        }
        counter.increment(amount);
    }

    private static List<Tag> concat(List<Tag> fixed, Tag tag) {
        return java.util.stream.Stream.concat(fixed.stream(), java.util.stream.Stream.of(tag)).toList();
    }
}

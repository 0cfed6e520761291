package dev.kedai.devstack.edge;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Kong's {@code rate-limiting} plugin with its fixed windows (second, minute, hour, day, month,
 * year, aligned to the clock as Kong's are), its headers ({@code RateLimit-Limit},
 * {@code RateLimit-Remaining}, {@code RateLimit-Reset}, {@code X-RateLimit-Limit-Minute}, ...) and
 * its 429 with {@code Retry-After}. Simplified: counters are in this process (Kong's
 * {@code policy: local}); the configured {@code policy: redis} matters only with several Kong
 * replicas. A rejected request is not counted, as in Kong.
 */
public final class RateLimitPlugin {
    /** Kong's periods, shortest first. */
    enum Period {
        SECOND, MINUTE, HOUR, DAY, MONTH, YEAR;

        String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        String headerSuffix() {
            return name().charAt(0) + name().substring(1).toLowerCase(Locale.ROOT);
        }

        /** Start and end (epoch seconds) of the window holding {@code now}. */
        long[] window(Instant now) {
            long s = now.getEpochSecond();
            return switch (this) {
                case SECOND -> new long[] {s, s + 1};
                case MINUTE -> new long[] {s - s % 60, s - s % 60 + 60};
                case HOUR -> new long[] {s - s % 3600, s - s % 3600 + 3600};
                case DAY -> new long[] {s - s % 86400, s - s % 86400 + 86400};
                case MONTH -> {
                    ZonedDateTime start = now.atZone(ZoneOffset.UTC).withDayOfMonth(1).toLocalDate().atStartOfDay(ZoneOffset.UTC);
                    yield new long[] {start.toEpochSecond(), start.plusMonths(1).toEpochSecond()};
                }
                case YEAR -> {
                    ZonedDateTime start = now.atZone(ZoneOffset.UTC).withDayOfYear(1).toLocalDate().atStartOfDay(ZoneOffset.UTC);
                    yield new long[] {start.toEpochSecond(), start.plusYears(1).toEpochSecond()};
                }
            };
        }
    }

    /** Headers to add, and the 429 when a limit is exceeded. */
    public record Outcome(Map<String, String> headers, java.util.Optional<EdgeAnswer> rejected) {
    }

    private record Counter(long windowEnd, AtomicLong count) {
    }

    private final String name;
    private final Map<Period, Long> limits;
    private final String limitBy;
    private final String headerName;
    private final int errorCode;
    private final String errorMessage;
    private final boolean hideClientHeaders;
    private final Clock clock;
    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
    private final AtomicLong nextSweep = new AtomicLong();

    RateLimitPlugin(String name, JsonNode config, Clock clock) {
        this.name = name;
        Map<Period, Long> configured = new LinkedHashMap<>();
        for (Period period : Period.values()) {
            JsonNode value = config.get(period.configName());
            if (value != null && !value.isNull()) {
                configured.put(period, value.asLong());
            }
        }
        if (configured.isEmpty()) {
            throw new IllegalStateException("rate-limiting plugin " + name + " sets no limit");
        }
        this.limits = configured;
        this.limitBy = config.path("limit_by").asText("consumer");
        this.headerName = config.path("header_name").asText("");
        this.errorCode = config.path("error_code").asInt(429);
        this.errorMessage = config.path("error_message").asText("API rate limit exceeded");
        this.hideClientHeaders = config.path("hide_client_headers").asBoolean(false);
        this.clock = clock;
    }

    /** The configured limits by Kong period name ("second", "minute", ...). */
    public Map<String, Long> limits() {
        Map<String, Long> byName = new LinkedHashMap<>();
        limits.forEach((p, l) -> byName.put(p.configName(), l));
        return byName;
    }

    /**
     * Counts one request.
     *
     * @param scope      the route the plugin is applied to (Kong keeps counters per route)
     * @param clientIp   the client's address
     * @param consumer   the consumer the jwt plugin found, if any
     * @param header     a request header by lower-case name
     * @param requestId  for the 429 body
     */
    public Outcome count(String scope, String clientIp, java.util.Optional<String> consumer,
                         java.util.function.Function<String, java.util.Optional<String>> header, String service,
                         String requestId) {
        Instant now = clock.instant();
        sweep(now.getEpochSecond());
        String identifier = switch (limitBy) {
            case "consumer", "credential" -> consumer.orElse(clientIp);
            case "header" -> header.apply(headerName.toLowerCase(Locale.ROOT)).orElse(clientIp);
            case "service" -> service;
            default -> clientIp;
        };
        List<AtomicLong> counted = new ArrayList<>();
        Period exceeded = null;
        Map<Period, Long> usage = new LinkedHashMap<>();
        for (Map.Entry<Period, Long> limit : limits.entrySet()) {
            long[] window = limit.getKey().window(now);
            String key = scope + '|' + identifier + '|' + limit.getKey() + '|' + window[0];
            Counter counter = counters.computeIfAbsent(key, k -> new Counter(window[1], new AtomicLong()));
            long value = counter.count().incrementAndGet();
            counted.add(counter.count());
            usage.put(limit.getKey(), value);
            if (value > limit.getValue() && exceeded == null) {
                exceeded = limit.getKey();
            }
        }
        if (exceeded != null) {
            counted.forEach(AtomicLong::decrementAndGet);
        }

        Map<String, String> headers = new LinkedHashMap<>();
        long bestLimit = -1;
        long bestRemaining = Long.MAX_VALUE;
        long reset = 1;
        for (Map.Entry<Period, Long> limit : limits.entrySet()) {
            Period period = limit.getKey();
            long remaining = Math.max(0, limit.getValue() - usage.get(period));
            if (period == exceeded) {
                remaining = 0;
            }
            if (bestLimit < 0 || remaining < bestRemaining || (remaining == bestRemaining && limit.getValue() > bestLimit)) {
                bestLimit = limit.getValue();
                bestRemaining = remaining;
                reset = Math.max(1, period.window(now)[1] - now.getEpochSecond());
            }
            headers.put("X-RateLimit-Limit-" + period.headerSuffix(), String.valueOf(limit.getValue()));
            headers.put("X-RateLimit-Remaining-" + period.headerSuffix(), String.valueOf(remaining));
        }
        headers.put("RateLimit-Limit", String.valueOf(bestLimit));
        headers.put("RateLimit-Remaining", String.valueOf(bestRemaining));
        headers.put("RateLimit-Reset", String.valueOf(reset));
        if (hideClientHeaders) {
            headers.clear();
        }
        if (exceeded != null) {
            long retryAfter = Math.max(1, exceeded.window(now)[1] - now.getEpochSecond());
            headers.put("Retry-After", String.valueOf(retryAfter));
            return new Outcome(headers, java.util.Optional.of(EdgeAnswer.error(errorCode, errorMessage, requestId, headers)));
        }
        return new Outcome(headers, java.util.Optional.empty());
    }

    /** Drops counters of windows that have ended, at most once a second. */
    private void sweep(long nowSeconds) {
        long due = nextSweep.get();
        if (nowSeconds >= due && nextSweep.compareAndSet(due, nowSeconds + 1)) {
            counters.values().removeIf(c -> c.windowEnd() <= nowSeconds);
        }
    }

    @Override
    public String toString() {
        return "rate-limiting " + name + " " + limits() + " by " + limitBy;
    }
}

package dev.kedai.platform.observe;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Rate, errors and duration of every HTTP request, per route template. Dashboards and alerts
 * query these names (Prometheus text on the admin port, {@code /observe/metrics}):
 *
 * <pre>
 * http_server_requests_seconds_bucket{method,route,status,le}   histogram, buckets 5 ms .. 10 s
 * http_server_requests_seconds_count / _sum / _max{method,route,status}
 * kedai_http_requests_total{method,route,status_class}           every request ("2xx".."5xx")
 * kedai_http_errors_total{method,route,status}                   5xx answers only
 * </pre>
 *
 * {@code route} is the template ({@code /stock/{product_id}}), {@code UNMATCHED} for a 404 no
 * route handled, {@code UNKNOWN} for a route registered without a visible template (see
 * {@link RouteTemplates}). p99 per route:
 * {@code histogram_quantile(0.99, sum by (le, route) (rate(http_server_requests_seconds_bucket[5m])))}.
 */
public final class RedMetrics implements Filter {

    public static final String TIMER = "http.server.requests";
    public static final String REQUESTS = "kedai.http.requests";
    public static final String ERRORS = "kedai.http.errors";

    private static final Duration[] BUCKETS = {
            Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private final MeterRegistry registry;
    // the meters of each (method, route, status), built once: building Tags and looking a meter up
    // by its id in the registry cost about a sixth of a cached product read's CPU (JFR, issue 16)
    private final ConcurrentHashMap<Series, Meters> meters = new ConcurrentHashMap<>();

    private RedMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The filter, recording into Helidon's global registry (the one {@code /observe/metrics} shows). */
    public static RedMetrics create() {
        return new RedMetrics(Metrics.globalRegistry());
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long start = System.nanoTime();
        RouteTemplates.prepare(req);
        String method = req.prologue().method().text();
        // whenSent also fires for answers written by the error handler after this filter returned
        res.whenSent(() -> record(method, RouteTemplates.of(req, res.status().code()), res.status().code(),
                System.nanoTime() - start));
        chain.proceed();
    }

    private void record(String method, String route, int status, long nanos) {
        Meters m = meters.get(new Series(method, route, status));
        if (m == null) {
            m = meters.computeIfAbsent(new Series(method, route, status), this::register);
        }
        m.timer.record(nanos, TimeUnit.NANOSECONDS);
        m.requests.increment();
        if (m.errors != null) {
            m.errors.increment();
        }
    }

    private Meters register(Series s) {
        List<Tag> tags = List.of(Tag.create("method", s.method), Tag.create("route", s.route),
                Tag.create("status", Integer.toString(s.status)));
        Timer timer = registry.getOrCreate(Timer.builder(TIMER)
                .description("HTTP server request duration")
                .buckets(BUCKETS)
                // Helidon adds client-side quantiles (0.5..0.999) by default: six series per
                // route that cannot be aggregated across instances; the buckets are enough
                .percentiles(new double[0])
                .tags(tags));
        Counter requests = registry.getOrCreate(Counter.builder(REQUESTS)
                .description("HTTP requests answered")
                .tags(List.of(Tag.create("method", s.method), Tag.create("route", s.route),
                        Tag.create("status_class", (s.status / 100) + "xx"))));
        Counter errors = s.status < 500 ? null : registry.getOrCreate(Counter.builder(ERRORS)
                .description("HTTP requests answered with a server error (5xx)")
                .tags(tags));
        return new Meters(timer, requests, errors);
    }

    // route is a template and method one of a few, so the series stay few
    private record Series(String method, String route, int status) {
    }

    private record Meters(Timer timer, Counter requests, Counter errors) {
    }
}

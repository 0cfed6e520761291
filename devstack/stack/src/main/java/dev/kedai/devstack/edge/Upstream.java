package dev.kedai.devstack.edge;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.hc.core5.http.HttpHost;

/**
 * Kong's ring balancer for one Service: the instances ({@link UpstreamTarget}s) taken round robin,
 * leaving out those that are unhealthy. An instance becomes unhealthy when a connection to it is
 * refused (Kong's passive check: the request goes on to the next instance) or its readiness probe
 * fails (Kong's active check, polled every {@link #PROBE_INTERVAL}). A passing probe makes it
 * healthy again; an instance without a probe is tried again after {@link #PASSIVE_COOL_DOWN}. With every instance unhealthy they are all tried anyway, so a Service whose one
 * instance is down still answers Kong's 502 rather than nothing.
 */
final class Upstream implements AutoCloseable {
    static final Duration PROBE_INTERVAL = Duration.ofMillis(500);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    static final Duration PASSIVE_COOL_DOWN = Duration.ofSeconds(10);

    private final String service;
    private final List<UpstreamTarget> targets;
    private final List<HttpHost> hosts;
    private final List<AtomicBoolean> ready = new ArrayList<>();
    private final List<java.util.concurrent.atomic.AtomicLong> downUntil = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread prober;

    Upstream(String service, List<UpstreamTarget> targets) {
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("Service " + service + " has no instance");
        }
        this.service = service;
        this.targets = List.copyOf(targets);
        this.hosts = this.targets.stream().map(t -> new HttpHost(t.uri().getScheme(), t.uri().getHost(), t.uri().getPort()))
                .toList();
        for (int i = 0; i < targets.size(); i++) {
            ready.add(new AtomicBoolean(true));
            downUntil.add(new java.util.concurrent.atomic.AtomicLong(System.nanoTime()));
        }
        boolean probed = targets.stream().anyMatch(t -> t.ready().isPresent());
        this.prober = probed ? Thread.ofVirtual().name("edge-probe-" + service).start(this::probe) : null;
    }

    String service() {
        return service;
    }

    /** The first instance (the API reference reads one of them). */
    URI first() {
        return targets.getFirst().uri();
    }

    List<UpstreamTarget> targets() {
        return targets;
    }

    /**
     * The instances to try for one request, in order: the healthy ones from the next in the round,
     * or every one when none is healthy.
     */
    List<Integer> pick() {
        int n = targets.size();
        int start = Math.floorMod(next.getAndIncrement(), n);
        List<Integer> order = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int index = (start + i) % n;
            if (healthy(index)) {
                order.add(index);
            }
        }
        if (order.isEmpty()) {
            for (int i = 0; i < n; i++) {
                order.add((start + i) % n);
            }
        }
        return order;
    }

    /** Instance {@code index} as the HTTP client's target host (made once: no URI is parsed per request). */
    HttpHost host(int index) {
        return hosts.get(index);
    }

    /** A connection to instance {@code index} failed: leave it out until its probe passes (or the cool-down ends). */
    void failed(int index) {
        downUntil.get(index).set(System.nanoTime() + PASSIVE_COOL_DOWN.toNanos());
    }

    boolean healthy(int index) {
        return ready.get(index).get() && System.nanoTime() - downUntil.get(index).get() >= 0;
    }

    private void probe() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(PROBE_TIMEOUT).build();
        try (http) {
            while (!closed.get()) {
                for (int i = 0; i < targets.size(); i++) {
                    UpstreamTarget target = targets.get(i);
                    if (target.ready().isPresent()) {
                        boolean passed = passes(http, target.ready().get());
                        ready.get(i).set(passed);
                        if (passed) {
                            downUntil.get(i).set(System.nanoTime());
                        }
                    }
                }
                try {
                    Thread.sleep(PROBE_INTERVAL); // the probe's period, not a synchronisation
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private static boolean passes(HttpClient http, URI ready) {
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(ready).timeout(PROBE_TIMEOUT).build(),
                    HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        closed.set(true);
        if (prober != null) {
            prober.interrupt();
        }
    }
}

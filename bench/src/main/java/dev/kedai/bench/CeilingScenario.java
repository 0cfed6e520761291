package dev.kedai.bench;

import java.net.URI;

/**
 * {@code GET /hello} on the framework's ceiling ({@link dev.kedai.bench.ceiling.CeilingServer}):
 * the open loop's latency at a rate when the server does next to nothing. Run at the rate a
 * Kedai route is measured at, it says how much of that route's p99 is the machine's and the
 * generator's (they share the cores) rather than the service's.
 */
public final class CeilingScenario implements Scenario {

    private static final BenchRequest HELLO = BenchRequest.get("/hello", "Accept", "application/json");

    @Override
    public String name() {
        return "ceiling";
    }

    @Override
    public String description() {
        return "GET /hello on the bare Helidon app bench/ceiling starts (CeilingServer PORT; default http://127.0.0.1:8099)";
    }

    @Override
    public URI defaultTarget() {
        return URI.create("http://127.0.0.1:8099");
    }

    @Override
    public BenchRequest nextRequest(long sequence) {
        return HELLO;
    }
}

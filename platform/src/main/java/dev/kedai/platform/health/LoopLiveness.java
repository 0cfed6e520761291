package dev.kedai.platform.health;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

/**
 * Liveness check {@code loops}: DOWN when a {@link SupervisedLoop} of this process is stuck (one
 * iteration running for longer than its {@code stuckAfter}, or its thread gone), so Kubernetes
 * restarts the pod. Its details name every loop with the seconds since its last successful
 * iteration and its failures in a row, also while it is UP (a loop that keeps failing because its
 * database or broker is away is alive: restarting the pod would not help).
 *
 * <p>One service runs per JVM, so the loops of the process are the service's; tests that start
 * several services in one JVM see them all, which is harmless.
 */
public final class LoopLiveness implements HealthCheck {

    // by name: a loop started again under the same name (tests) replaces the earlier one
    private static final Map<String, SupervisedLoop> LOOPS = new ConcurrentHashMap<>();

    private static final LoopLiveness INSTANCE = new LoopLiveness();

    private LoopLiveness() {
    }

    /** The check; register it once per server as liveness. */
    public static LoopLiveness check() {
        return INSTANCE;
    }

    static void register(SupervisedLoop loop) {
        LOOPS.put(loop.name(), loop);
    }

    static void deregister(SupervisedLoop loop) {
        LOOPS.remove(loop.name(), loop);
    }

    static double lastSuccessSeconds(String name) {
        SupervisedLoop loop = LOOPS.get(name);
        return loop == null ? Double.NaN : loop.lastSuccessSeconds();
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.LIVENESS;
    }

    @Override
    public String name() {
        return "loops";
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponse.Builder response = HealthCheckResponse.builder();
        boolean up = true;
        for (SupervisedLoop loop : LOOPS.values()) {
            boolean stuck = loop.stuck();
            up &= !stuck;
            StringBuilder detail = new StringBuilder()
                    .append(stuck ? "STUCK" : "running")
                    .append(", last success ").append(loop.sinceLastSuccess().toSeconds()).append(" s ago");
            if (loop.consecutiveFailures() > 0) {
                detail.append(", ").append(loop.consecutiveFailures()).append(" failure(s) in a row: ").append(loop.lastError());
            }
            response.detail(loop.name(), detail.toString());
        }
        return response.status(up).build();
    }
}

package dev.kedai.faults;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.kedai.devstack.DevAuth;
import dev.kedai.devstack.DevPasswords;
import dev.kedai.devstack.JvmOptions;
import dev.kedai.devstack.KedaiService;
import dev.kedai.devstack.Ports;
import dev.kedai.devstack.Progress;
import dev.kedai.devstack.Stack;
import dev.kedai.devstack.StackSpec;
import dev.kedai.devstack.edge.EdgeMain;
import dev.kedai.devstack.ServiceProcess;
import dev.kedai.devstack.edge.EdgeSettings;
import dev.kedai.infra.ChildJvm;
import dev.kedai.infra.Infra;
import dev.kedai.infra.InfraEndpoints;
import dev.kedai.infra.InfraSettings;
import dev.kedai.infra.ServerProcess;

/**
 * The stack the suite injects faults into, of its own, on free loopback ports: MariaDB, Redis and
 * the broker ({@link Infra}, each a process), the five services, the dev edge as a process of its
 * own, and a {@link DelayProxy} in front of stock's and of cartorder's gRPC port (every caller of
 * those goes through it, so the suite can make either a slow peer). Every process is a child of
 * this JVM bound to its life.
 */
final class FaultStack implements AutoCloseable {

    /** Services whose gRPC callers go through a delaying proxy. */
    static final List<KedaiService> PROXIED = List.of(KedaiService.STOCK, KedaiService.CARTORDER);

    private final Infra infra;
    private final Stack stack;
    private final ServerProcess edge;
    private final Map<KedaiService, List<DelayProxy>> proxies;
    private final Path dir;

    private FaultStack(Infra infra, Stack stack, ServerProcess edge, Map<KedaiService, List<DelayProxy>> proxies, Path dir) {
        this.infra = infra;
        this.stack = stack;
        this.edge = edge;
        this.proxies = proxies;
        this.dir = dir;
    }

    /**
     * Starts everything with state under {@code dir} (which should be empty).
     *
     * @param root the Kedai checkout (service jars, kong-ingress)
     */
    static FaultStack start(Path root, Path dir, int replicas, Progress progress) {
        Infra infra = Infra.start(InfraSettings.freePorts(dir.resolve("infra")), progress::step);
        Map<KedaiService, List<DelayProxy>> proxies = new EnumMap<>(KedaiService.class);
        Stack stack = null;
        ServerProcess edge = null;
        try {
            Map<KedaiService, dev.kedai.devstack.ServicePorts> ports = StackSpec.freePorts();
            List<String> jvm = new ArrayList<>(JvmOptions.forService("192m"));
            // loopback only: nothing of this stack is reachable from another host
            jvm.addAll(List.of("-Dserver.host=127.0.0.1", "-Dserver.sockets.0.host=127.0.0.1"));
            StackSpec spec = new StackSpec(root, dir.resolve("logs"), ports, DevPasswords.loadOrCreate(
                    dir.resolve("dev-passwords.properties")), 3, Duration.ofMinutes(5), jvm,
                    Ports.pickFree(1).getFirst(), false).withReplicas(replicas);
            for (KedaiService proxied : PROXIED) {
                // one proxy in front of each instance: the callers balance over the proxies
                List<DelayProxy> instances = new ArrayList<>();
                for (dev.kedai.devstack.ServicePorts instance : spec.instances(proxied)) {
                    instances.add(new DelayProxy(instance.grpc()));
                }
                proxies.put(proxied, instances);
                String addresses = String.join(",", instances.stream().map(p -> "127.0.0.1:" + p.port()).toList());
                for (KedaiService caller : KedaiService.values()) {
                    if (caller != proxied) {
                        spec = spec.withOverride(caller, "peers." + proxied.id() + ".grpc", addresses);
                    }
                }
            }
            stack = new Stack(spec);
            stack.startServices(infra.endpoints(), progress, line -> { });
            edge = startEdge(stack.edgeSettings(), dir);
            progress.step("dev edge (its own process) on http://127.0.0.1:" + edge.port()
                    + "; stock and cartorder gRPC behind delaying proxies");
            return new FaultStack(infra, stack, edge, proxies, dir);
        } catch (RuntimeException e) {
            if (edge != null) {
                edge.stop();
            }
            if (stack != null) {
                stack.close();
            }
            proxies.values().forEach(list -> list.forEach(DelayProxy::close));
            infra.close();
            throw e;
        }
    }

    private static ServerProcess startEdge(EdgeSettings settings, Path dir) {
        List<String> command = ChildJvm.command(JvmOptions.forService("192m"), EdgeMain.class,
                EdgeMain.arguments(settings));
        ServerProcess edge = new ServerProcess("edge", settings.port(), command, Map.of(), dir,
                dir.resolve("logs").resolve("edge.log"), () -> ServerProcess.accepts(settings.port()),
                Duration.ofMinutes(2), () -> { });
        return edge.start();
    }

    URI edgeUri() {
        return URI.create("http://127.0.0.1:" + edge.port());
    }

    Stack stack() {
        return stack;
    }

    InfraEndpoints infraEndpoints() {
        return infra.endpoints();
    }

    ServerProcess server(Infra.Server server) {
        return infra.server(server).orElseThrow();
    }

    ServerProcess edge() {
        return edge;
    }

    /** The delaying proxies in front of each instance of {@code service}. */
    List<DelayProxy> proxies(KedaiService service) {
        return Optional.ofNullable(proxies.get(service))
                .orElseThrow(() -> new IllegalArgumentException(service.id() + " has no delaying proxy"));
    }

    DevAuth admin() {
        return DevAuth.loadOrCreate(stack.spec().stateDir());
    }

    Path sandboxLedger() {
        return stack.sandboxLedger();
    }

    Path dir() {
        return dir;
    }

    /** Every process of the stack now, by name: each service, mariadb, redis, kafka, edge (pid, or -1 when down). */
    Map<String, Long> pids() {
        Map<String, Long> pids = new java.util.LinkedHashMap<>();
        for (ServiceProcess process : stack.processes()) {
            // the first instance by the service's name (the faults' targets), the others as stock-2, ...
            pids.put(process.launch().name(), process.isAlive() ? process.pid() : -1L);
        }
        for (Infra.Server server : Infra.Server.values()) {
            pids.put(server.name().toLowerCase(java.util.Locale.ROOT), server(server).pid().orElse(-1L));
        }
        pids.put("edge", edge.pid().orElse(-1L));
        return pids;
    }

    /** The edge, the services, the proxies, then the infrastructure. */
    @Override
    public void close() {
        try {
            edge.stop();
        } finally {
            try {
                stack.close();
            } finally {
                proxies.values().forEach(list -> list.forEach(DelayProxy::close));
                infra.close();
            }
        }
    }
}

package dev.kedai.devstack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What {@link Stack} needs to run the five services against infrastructure that is already up.
 *
 * @param repoRoot        the checkout; service jars are {@code <repoRoot>/<svc>/target/kedai-<svc>.jar}
 * @param logDir          where {@code <svc>.log} files go
 * @param ports           the ports of each service
 * @param dbPasswords     the password of each service's database user
 * @param topicPartitions partitions of each Kafka topic created
 * @param readyTimeout    how long all services may take to become ready
 * @param jvmOptions      options of each service JVM
 * @param edgePort        port of the dev edge (0 = a free one)
 * @param edgeRateLimits  whether the edge enforces the rate-limiting plugins (off for load tests)
 * @param overrides       configuration of single services, applied last (e.g. a peer's address
 *                        pointed at the fault-injection suite's delaying proxy)
 * @param bindHost        the address every service port (HTTP, gRPC, admin) and the edge listen on:
 *                        127.0.0.1 unless told otherwise ({@code --bind-host})
 * @param tracePort       port of the in-memory OTLP trace receiver (0 = a free one, -1 = no tracing)
 * @param traceRatio      share of new traces sampled (by the edge; the services follow its decision)
 * @param replicaPorts    the ports of the second and later instances of each service
 *                        ({@code --replicas}; none: one instance of each)
 */
public record StackSpec(Path repoRoot,
                        Path logDir,
                        Map<KedaiService, ServicePorts> ports,
                        Map<KedaiService, String> dbPasswords,
                        int topicPartitions,
                        Duration readyTimeout,
                        List<String> jvmOptions,
                        int edgePort,
                        boolean edgeRateLimits,
                        Map<KedaiService, Map<String, String>> overrides,
                        String bindHost,
                        int tracePort,
                        double traceRatio,
                        Map<KedaiService, List<ServicePorts>> replicaPorts) {

    /** One instance of each service. */
    public StackSpec(Path repoRoot, Path logDir, Map<KedaiService, ServicePorts> ports,
                     Map<KedaiService, String> dbPasswords, int topicPartitions, Duration readyTimeout,
                     List<String> jvmOptions, int edgePort, boolean edgeRateLimits,
                     Map<KedaiService, Map<String, String>> overrides, String bindHost, int tracePort, double traceRatio) {
        this(repoRoot, logDir, ports, dbPasswords, topicPartitions, readyTimeout, jvmOptions, edgePort,
                edgeRateLimits, overrides, bindHost, tracePort, traceRatio, Map.of());
    }

    /** Without tracing. */
    public StackSpec(Path repoRoot, Path logDir, Map<KedaiService, ServicePorts> ports,
                     Map<KedaiService, String> dbPasswords, int topicPartitions, Duration readyTimeout,
                     List<String> jvmOptions, int edgePort, boolean edgeRateLimits,
                     Map<KedaiService, Map<String, String>> overrides, String bindHost) {
        this(repoRoot, logDir, ports, dbPasswords, topicPartitions, readyTimeout, jvmOptions, edgePort,
                edgeRateLimits, overrides, bindHost, -1, 1.0);
    }

    /** A stack on 127.0.0.1 with per-service overrides. */
    public StackSpec(Path repoRoot, Path logDir, Map<KedaiService, ServicePorts> ports,
                     Map<KedaiService, String> dbPasswords, int topicPartitions, Duration readyTimeout,
                     List<String> jvmOptions, int edgePort, boolean edgeRateLimits,
                     Map<KedaiService, Map<String, String>> overrides) {
        this(repoRoot, logDir, ports, dbPasswords, topicPartitions, readyTimeout, jvmOptions, edgePort,
                edgeRateLimits, overrides, LOOPBACK);
    }

    /** A stack on 127.0.0.1 without per-service overrides. */
    public StackSpec(Path repoRoot, Path logDir, Map<KedaiService, ServicePorts> ports,
                     Map<KedaiService, String> dbPasswords, int topicPartitions, Duration readyTimeout,
                     List<String> jvmOptions, int edgePort, boolean edgeRateLimits) {
        this(repoRoot, logDir, ports, dbPasswords, topicPartitions, readyTimeout, jvmOptions, edgePort,
                edgeRateLimits, Map.of(), LOOPBACK);
    }

    /** A stack without per-service overrides. */
    public StackSpec(Path repoRoot, Path logDir, Map<KedaiService, ServicePorts> ports,
                     Map<KedaiService, String> dbPasswords, int topicPartitions, Duration readyTimeout,
                     List<String> jvmOptions, int edgePort, boolean edgeRateLimits, String bindHost) {
        this(repoRoot, logDir, ports, dbPasswords, topicPartitions, readyTimeout, jvmOptions, edgePort,
                edgeRateLimits, Map.of(), bindHost);
    }

    /** Where the devstack listens unless told otherwise: nothing is reachable from another machine. */
    public static final String LOOPBACK = "127.0.0.1";

    /** A stack on 127.0.0.1 whose edge takes a free port and enforces rate limits. */
    public StackSpec(Path repoRoot, Path logDir, Map<KedaiService, ServicePorts> ports,
                     Map<KedaiService, String> dbPasswords, int topicPartitions, Duration readyTimeout,
                     List<String> jvmOptions) {
        this(repoRoot, logDir, ports, dbPasswords, topicPartitions, readyTimeout, jvmOptions, 0, true, Map.of(), LOOPBACK);
    }

    public boolean tracing() {
        return tracePort >= 0;
    }

    /** The Ingress manifests the dev edge reads: {@code <repoRoot>/kong-ingress}. */
    public Path kongManifests() {
        return repoRoot.resolve("kong-ingress");
    }

    /** The stack's state (dev auth keys, the sandbox payment ledger): the log directory's parent. */
    public Path stateDir() {
        return logDir.toAbsolutePath().getParent();
    }

    /** This spec with {@code key=value} set for {@code service} only. */
    public StackSpec withOverride(KedaiService service, String key, String value) {
        Map<KedaiService, Map<String, String>> all = new java.util.EnumMap<>(KedaiService.class);
        all.putAll(overrides);
        Map<String, String> own = new java.util.LinkedHashMap<>(all.getOrDefault(service, Map.of()));
        own.put(key, value);
        all.put(service, own);
        return new StackSpec(repoRoot, logDir, ports, dbPasswords, topicPartitions, readyTimeout, jvmOptions,
                edgePort, edgeRateLimits, all, bindHost, tracePort, traceRatio, replicaPorts);
    }

    /** This spec with {@code replicas} instances of each service, the later ones on ports free now (tests). */
    public StackSpec withReplicas(int replicas) {
        // one draw for all (ports of one draw are distinct), leaving out those the first instances have
        java.util.Set<Integer> taken = new java.util.HashSet<>();
        ports.values().forEach(p -> taken.addAll(List.of(p.http(), p.grpc(), p.admin())));
        KedaiService[] services = KedaiService.values();
        java.util.Iterator<Integer> free = Ports.pickFree(3 * services.length * replicas + taken.size()).stream()
                .filter(port -> !taken.contains(port)).iterator();
        Map<KedaiService, List<ServicePorts>> more = new java.util.EnumMap<>(KedaiService.class);
        for (int i = 1; i < replicas; i++) {
            for (KedaiService service : services) {
                more.computeIfAbsent(service, s -> new java.util.ArrayList<>())
                        .add(new ServicePorts(free.next(), free.next(), free.next()));
            }
        }
        return new StackSpec(repoRoot, logDir, ports, dbPasswords, topicPartitions, readyTimeout, jvmOptions,
                edgePort, edgeRateLimits, overrides, bindHost, tracePort, traceRatio, more);
    }

    /** How many instances of each service run. */
    public int replicas() {
        return 1 + replicaPorts.values().stream().mapToInt(List::size).max().orElse(0);
    }

    /** The ports of every instance of {@code service}, the first one first. */
    public List<ServicePorts> instances(KedaiService service) {
        List<ServicePorts> all = new java.util.ArrayList<>();
        all.add(ports.get(service));
        all.addAll(replicaPorts.getOrDefault(service, List.of()));
        return List.copyOf(all);
    }

    /** The ports of every instance of every service. */
    public Map<KedaiService, List<ServicePorts>> instances() {
        Map<KedaiService, List<ServicePorts>> all = new java.util.EnumMap<>(KedaiService.class);
        for (KedaiService service : KedaiService.values()) {
            all.put(service, instances(service));
        }
        return all;
    }

    public StackSpec {
        ports = Map.copyOf(ports);
        Map<KedaiService, List<ServicePorts>> replicas = new java.util.EnumMap<>(KedaiService.class);
        replicaPorts.forEach((service, list) -> replicas.put(service, List.copyOf(list)));
        replicaPorts = java.util.Collections.unmodifiableMap(replicas);
        dbPasswords = Map.copyOf(dbPasswords);
        jvmOptions = List.copyOf(jvmOptions);
        Map<KedaiService, Map<String, String>> copied = new java.util.EnumMap<>(KedaiService.class);
        overrides.forEach((service, values) -> copied.put(service, java.util.Collections.unmodifiableMap(
                new java.util.LinkedHashMap<>(values))));
        overrides = java.util.Collections.unmodifiableMap(copied);
        for (KedaiService service : KedaiService.values()) {
            if (!ports.containsKey(service) || !dbPasswords.containsKey(service)) {
                throw new IllegalArgumentException("ports and password needed for " + service.id());
            }
        }
    }

    /**
     * Every service on ports that are free now (the system tests: never the fixed DESIGN §6
     * ports, so a running devstack does not collide with them).
     */
    public static Map<KedaiService, ServicePorts> freePorts() {
        KedaiService[] services = KedaiService.values();
        List<Integer> free = Ports.pickFree(services.length * 3);
        Map<KedaiService, ServicePorts> ports = new java.util.EnumMap<>(KedaiService.class);
        for (int i = 0; i < services.length; i++) {
            ports.put(services[i], new ServicePorts(free.get(3 * i), free.get(3 * i + 1), free.get(3 * i + 2)));
        }
        return ports;
    }
}

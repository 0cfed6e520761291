package dev.kedai.devstack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.kedai.infra.InfraSettings;
import dev.kedai.infra.Usage;

/**
 * The launcher's settings, parsed from its command line ({@link #USAGE}). Ports default to
 * DESIGN §6 plus {@code --port-offset}; a port given by its own flag is taken as is.
 *
 * @param repoRoot        the checkout (service jars, {@code .kedai/})
 * @param dataDir         persistent state: infra data, logs, dev passwords, pid file
 * @param ports           each service's ports
 * @param edgePort        the dev edge's port
 * @param infraPorts      ports of the embedded servers
 * @param external        servers to use instead of embedded ones
 * @param topicPartitions partitions per Kafka topic
 * @param readyTimeout    how long the services may take to become ready
 * @param serviceHeap     {@code -Xmx} of each service JVM
 * @param infraOnly       start only the infrastructure (services run from an IDE)
 * @param help            print usage and exit
 * @param edgeRateLimits  whether the dev edge enforces the Kong rate-limiting plugins
 * @param bindHost        the address the services (HTTP, gRPC, admin) and the edge listen on (default 127.0.0.1)
 * @param tracePort       the OTLP trace receiver's port (-1: tracing off)
 * @param traceRatio      share of new traces sampled
 * @param search          the product service's search engine (an OpenSearch node is started for it)
 * @param replicas        instances of each service; instance k (k ≥ 2) listens on the first one's
 *                        ports plus {@link #REPLICA_PORT_STEP}·(k−1)
 */
public record StackConfig(Path repoRoot,
                          Path dataDir,
                          Map<KedaiService, ServicePorts> ports,
                          int edgePort,
                          InfraPorts infraPorts,
                          ExternalInfra external,
                          int topicPartitions,
                          Duration readyTimeout,
                          String serviceHeap,
                          boolean infraOnly,
                          boolean help,
                          boolean edgeRateLimits,
                          String bindHost,
                          int tracePort,
                          double traceRatio,
                          SearchSettings search,
                          int replicas) {

    public static final int DEFAULT_EDGE_PORT = 8080;
    /** OTLP/HTTP's usual port, where the devstack's trace receiver listens. */
    public static final int DEFAULT_TRACE_PORT = 4318;
    /** How far apart the ports of two instances of a service are ({@code --replicas}): 8002, 8102, 8202, ... */
    public static final int REPLICA_PORT_STEP = 100;

    /** The options, from {@code usage.txt} beside this class (the {@code kedai} script prints the same file). */
    public static final String USAGE = Usage.text(StackConfig.class, "usage.txt");

    public Path logDir() {
        return dataDir.resolve("logs");
    }

    public Path infraDataDir() {
        return dataDir.resolve("infra");
    }

    public Path pidFile() {
        return dataDir.resolve("devstack.pid");
    }

    public Path passwordsFile() {
        return dataDir.resolve("dev-passwords.properties");
    }

    /** Every port this configuration will listen on, with what wants it and the flag that moves it. */
    public List<PortClaim> portClaims() {
        List<PortClaim> claims = new ArrayList<>();
        if (!infraOnly) {
            claims.add(new PortClaim(edgePort, "dev edge", "--edge-port"));
            if (tracePort > 0) {
                claims.add(new PortClaim(tracePort, "trace receiver", "--trace-port"));
            }
            for (KedaiService service : KedaiService.values()) {
                List<ServicePorts> instances = instances(service);
                for (int i = 0; i < instances.size(); i++) {
                    ServicePorts p = instances.get(i);
                    String id = service.id();
                    String name = i == 0 ? id : id + "-" + (i + 1);
                    String moves = i == 0 ? "" : " (or --replicas)";
                    claims.add(new PortClaim(p.http(), name + " HTTP", "--" + id + "-http-port" + moves));
                    claims.add(new PortClaim(p.grpc(), name + " gRPC", "--" + id + "-grpc-port" + moves));
                    claims.add(new PortClaim(p.admin(), name + " admin", "--" + id + "-admin-port" + moves));
                }
            }
        }
        if (external.dbUrl().isEmpty()) {
            claims.add(new PortClaim(infraPorts.mariadb(), "embedded MariaDB", "--mariadb-port"));
        }
        if (external.redisUrl().isEmpty()) {
            claims.add(new PortClaim(infraPorts.redis(), "embedded Redis", "--redis-port"));
        }
        if (external.kafkaBootstrap().isEmpty()) {
            claims.add(new PortClaim(infraPorts.kafka(), "embedded Kafka", "--kafka-port"));
            claims.add(new PortClaim(infraPorts.kafkaController(), "embedded Kafka controller", "--kafka-controller-port"));
        }
        if (search.openSearch()) {
            claims.add(new PortClaim(search.port(), "OpenSearch", "--search-port"));
            claims.add(new PortClaim(search.transportPort(), "OpenSearch transport", "--search-transport-port"));
        }
        return claims;
    }

    /** What {@code Infra.start} gets: embedded servers under {@code <dataDir>/infra}, external ones as given. */
    public InfraSettings infraSettings() {
        return external.applyTo(new InfraSettings(infraDataDir(), infraPorts.mariadb(), infraPorts.redis(),
                infraPorts.kafka(), infraPorts.kafkaController(), Optional.empty()));
    }

    /** The ports of every instance of {@code service}: the first one's, then each {@link #REPLICA_PORT_STEP} higher. */
    public List<ServicePorts> instances(KedaiService service) {
        List<ServicePorts> instances = new ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            instances.add(ports.get(service).plus(i * REPLICA_PORT_STEP));
        }
        return instances;
    }

    /** The settings of the services, once the dev passwords are known. */
    public StackSpec stackSpec(Map<KedaiService, String> dbPasswords) {
        Map<KedaiService, Map<String, String>> overrides = search.openSearch()
                ? Map.of(KedaiService.PRODUCT, search.openSearchProperties()) : Map.of();
        Map<KedaiService, List<ServicePorts>> more = new EnumMap<>(KedaiService.class);
        for (KedaiService service : KedaiService.values()) {
            more.put(service, instances(service).subList(1, replicas));
        }
        return new StackSpec(repoRoot, logDir(), ports, dbPasswords, topicPartitions, readyTimeout,
                JvmOptions.forStackStart(serviceHeap), edgePort, edgeRateLimits, overrides, bindHost, tracePort, traceRatio,
                more);
    }

    /**
     * Parses the arguments after the command word.
     *
     * @param defaultRoot the checkout when {@code --root} is not given
     * @throws UsageException on an unknown flag or a bad value
     */
    public static StackConfig parse(List<String> args, Path defaultRoot) {
        Map<String, String> values = new HashMap<>();
        boolean infraOnly = false;
        boolean help = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--infra-only")) {
                infraOnly = true;
                continue;
            }
            if (arg.equals("--help") || arg.equals("-h")) {
                help = true;
                continue;
            }
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument: " + arg);
            }
            String name;
            String value;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                name = arg.substring(2, eq);
                value = arg.substring(eq + 1);
            } else {
                name = arg.substring(2);
                if (i + 1 >= args.size()) {
                    throw new UsageException("--" + name + " needs a value");
                }
                value = args.get(++i);
            }
            if (!KNOWN_VALUE_FLAGS.contains(name)) {
                throw new UsageException("unknown option --" + name);
            }
            values.put(name, value);
        }

        int offset = intValue(values, "port-offset", 0);
        Map<KedaiService, ServicePorts> ports = new EnumMap<>(KedaiService.class);
        for (KedaiService service : KedaiService.values()) {
            ServicePorts d = service.defaultPorts().plus(offset);
            String id = service.id();
            ports.put(service, new ServicePorts(
                    intValue(values, id + "-http-port", d.http()),
                    intValue(values, id + "-grpc-port", d.grpc()),
                    intValue(values, id + "-admin-port", d.admin())));
        }
        InfraPorts d = InfraPorts.DEFAULTS.plus(offset);
        InfraPorts infraPorts = new InfraPorts(
                intValue(values, "mariadb-port", d.mariadb()),
                intValue(values, "redis-port", d.redis()),
                intValue(values, "kafka-port", d.kafka()),
                intValue(values, "kafka-controller-port", d.kafkaController()));
        ExternalInfra external = new ExternalInfra(
                Optional.ofNullable(values.get("db-url")),
                Optional.ofNullable(values.get("db-admin-user")),
                Optional.ofNullable(values.get("db-admin-password")),
                Optional.ofNullable(values.get("redis-url")),
                Optional.ofNullable(values.get("kafka-bootstrap")));
        external.validate();

        Path root = Path.of(values.getOrDefault("root", defaultRoot.toString())).toAbsolutePath().normalize();
        Path dataDir = values.containsKey("data-dir")
                ? Path.of(values.get("data-dir")).toAbsolutePath().normalize()
                : root.resolve(".kedai");
        String heap = values.getOrDefault("service-heap", "192m");
        if (!heap.matches("\\d+[kKmMgG]?")) {
            throw new UsageException("--service-heap wants a size like 192m, not " + heap);
        }
        int partitions = intValue(values, "topic-partitions", 3);
        if (partitions < 1) {
            throw new UsageException("--topic-partitions must be at least 1");
        }
        int readySeconds = intValue(values, "ready-timeout", 180);
        int replicas = intValue(values, "replicas", 1);
        if (replicas < 1 || replicas > 9) {
            throw new UsageException("--replicas wants 1 to 9 instances of each service, not " + replicas);
        }
        String rateLimits = values.getOrDefault("edge-rate-limits", "on");
        if (!rateLimits.equals("on") && !rateLimits.equals("off")) {
            throw new UsageException("--edge-rate-limits wants on or off, not " + rateLimits);
        }
        String sampling = values.getOrDefault("trace-sampling", "1.0");
        double traceRatio;
        try {
            traceRatio = sampling.equals("off") ? -1 : Double.parseDouble(sampling);
        } catch (NumberFormatException e) {
            throw new UsageException("--trace-sampling wants a ratio from 0 to 1 or off, not " + sampling);
        }
        if (traceRatio > 1 || (traceRatio < 0 && !sampling.equals("off"))) {
            throw new UsageException("--trace-sampling wants a ratio from 0 to 1 or off, not " + sampling);
        }
        int tracePort = traceRatio < 0 ? -1 : intValue(values, "trace-port", DEFAULT_TRACE_PORT + offset);
        SearchSettings search = new SearchSettings(values.getOrDefault("search", SearchSettings.FULLTEXT),
                intValue(values, "search-port", SearchSettings.DEFAULT_PORT + offset),
                intValue(values, "search-transport-port", SearchSettings.DEFAULT_TRANSPORT_PORT + offset));
        return new StackConfig(root, dataDir, ports, intValue(values, "edge-port", DEFAULT_EDGE_PORT + offset),
                infraPorts, external, partitions, Duration.ofSeconds(readySeconds), heap, infraOnly, help,
                rateLimits.equals("on"), bindHost(values.getOrDefault("bind-host", StackSpec.LOOPBACK)), tracePort,
                Math.max(0, traceRatio), search, replicas);
    }

    /** The checkout: the nearest directory up from {@code start} holding {@code mvnw} and {@code devstack/}. */
    public static Optional<Path> findRepoRoot(Path start) {
        for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("devstack"))) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }

    private static final List<String> KNOWN_VALUE_FLAGS = knownValueFlags();

    private static List<String> knownValueFlags() {
        List<String> flags = new ArrayList<>(List.of("port-offset", "edge-port", "mariadb-port", "redis-port",
                "kafka-port", "kafka-controller-port", "db-url", "db-admin-user", "db-admin-password", "redis-url",
                "kafka-bootstrap", "topic-partitions", "ready-timeout", "service-heap", "root", "data-dir",
                "edge-rate-limits", "bind-host", "trace-port", "trace-sampling", "search", "search-port",
                "search-transport-port", "replicas"));
        for (KedaiService service : KedaiService.values()) {
            flags.add(service.id() + "-http-port");
            flags.add(service.id() + "-grpc-port");
            flags.add(service.id() + "-admin-port");
        }
        return List.copyOf(flags);
    }

    private static String bindHost(String host) {
        try {
            // a literal address only: a name could resolve to something else later
            if (!host.matches("[0-9.]+|[0-9a-fA-F:]+") ) {
                throw new UsageException("--bind-host wants an IP address such as 127.0.0.1 or 0.0.0.0, not " + host);
            }
            java.net.InetAddress.getByName(host);
            return host;
        } catch (java.net.UnknownHostException e) {
            throw new UsageException("--bind-host wants an IP address such as 127.0.0.1 or 0.0.0.0, not " + host);
        }
    }

    private static int intValue(Map<String, String> values, String name, int defaultValue) {
        String value = values.get(name);
        if (value == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " wants a number, not " + value);
        }
    }
}

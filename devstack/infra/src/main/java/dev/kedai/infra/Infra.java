package dev.kedai.infra;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * MariaDB, Redis and Kafka for one laptop or one test run, each a child process of its own
 * ({@link ServerProcess}: mariadbd, redis-server, a JVM for the Kafka broker) that can be
 * stopped, killed, paused and started again alone. Parts named in
 * {@link InfraSettings#external()} are used as they are. {@link #close()} stops what was started
 * and leaves no process behind; so does this JVM's end, however it ends ({@link ProcessSpawner}).
 */
public final class Infra implements AutoCloseable {

    /** The servers Infra can start. */
    public enum Server {
        MARIADB, REDIS, KAFKA
    }

    private final InfraEndpoints endpoints;
    /** Stopped in reverse start order. */
    private final Deque<AutoCloseable> started;
    private final Map<Server, ServerProcess> servers;

    private Infra(InfraEndpoints endpoints, Deque<AutoCloseable> started, Map<Server, ServerProcess> servers) {
        this.endpoints = endpoints;
        this.started = started;
        this.servers = servers;
    }

    /**
     * Starts the servers not given as external, in parallel, and returns when all accept connections.
     *
     * @param progress receives one line per server that is ready (for a console)
     * @throws PortInUseException before anything starts, when a fixed port is taken
     */
    public static Infra start(InfraSettings settings, Consumer<String> progress) {
        QuietLogs.apply();
        // Check every port first: a clash must cost one line, not a half-started stack.
        Set<Integer> taken = new HashSet<>();
        int dbPort = settings.externalDb() ? 0 : port(settings.mariadbPort(), "MariaDB", "--mariadb-port", taken);
        int redisPort = settings.externalRedis() ? 0 : port(settings.redisPort(), "Redis", "--redis-port", taken);
        int kafkaPort = settings.externalKafka() ? 0 : port(settings.kafkaPort(), "Kafka", "--kafka-port", taken);
        int controllerPort = settings.externalKafka() ? 0
                : port(settings.kafkaControllerPort(), "Kafka controller", "--kafka-controller-port", taken);

        Path dir = settings.dataDir().toAbsolutePath();
        Deque<AutoCloseable> started = new ArrayDeque<>();
        Map<Server, ServerProcess> servers = new EnumMap<>(Server.class);
        InfraEndpoints own = new InfraEndpoints(
                settings.externalDb() ? null : "127.0.0.1", dbPort,
                EmbeddedMariaDb.ADMIN_USER, EmbeddedMariaDb.ADMIN_PASSWORD,
                settings.externalRedis() ? null : "redis://127.0.0.1:" + redisPort,
                settings.externalKafka() ? null : "127.0.0.1:" + kafkaPort);
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            // MariaDB (unpack/install) and Kafka are the slow ones; they start side by side.
            Future<EmbeddedMariaDb> db = settings.externalDb() ? null : executor.submit(timed(progress,
                    "MariaDB", "127.0.0.1:" + dbPort, () -> EmbeddedMariaDb.start(dir.resolve("mariadb"), dbPort)));
            Future<EmbeddedKafka> kafka = settings.externalKafka() ? null : executor.submit(timed(progress,
                    "Kafka", own.kafkaBootstrap(), () -> EmbeddedKafka.start(dir.resolve("kafka"), kafkaPort, controllerPort)));
            Future<EmbeddedRedis> redis = settings.externalRedis() ? null : executor.submit(timed(progress,
                    "Redis", own.redisUrl(), () -> EmbeddedRedis.start(dir.resolve("redis"), redisPort)));
            RuntimeException failure = null;
            Map<Server, Future<? extends EmbeddedServer>> futures = new EnumMap<>(Server.class);
            futures.put(Server.MARIADB, db);
            futures.put(Server.KAFKA, kafka);
            futures.put(Server.REDIS, redis);
            for (Map.Entry<Server, Future<? extends EmbeddedServer>> future : futures.entrySet()) {
                if (future.getValue() == null) {
                    continue;
                }
                try {
                    EmbeddedServer server = future.getValue().get();
                    started.push(server);
                    servers.put(future.getKey(), server.process());
                } catch (ExecutionException e) {
                    RuntimeException cause = e.getCause() instanceof RuntimeException r ? r
                            : new IllegalStateException(e.getCause());
                    if (failure == null) {
                        failure = cause;
                    } else {
                        failure.addSuppressed(cause);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure = new IllegalStateException("interrupted while starting the infrastructure", e);
                }
            }
            if (failure != null) {
                stopAll(started);
                throw failure;
            }
        }
        InfraEndpoints endpoints = settings.external().map(e -> e.orElse(own)).orElse(own);
        return new Infra(endpoints, started, Map.copyOf(servers));
    }

    private static int port(int wanted, String server, String flag, Set<Integer> taken) {
        int port = Ports.requireFree(wanted, server, flag);
        // Two free ports asked one after the other may come back equal; ask again then.
        while (wanted == 0 && taken.contains(port)) {
            port = FreePorts.one();
        }
        if (!taken.add(port)) {
            throw new IllegalArgumentException("port " + port + " is given to two servers (" + server + ")");
        }
        return port;
    }

    private static <T> Callable<T> timed(Consumer<String> progress, String server, String where,
                                       Supplier<T> start) {
        return () -> {
            long t0 = System.nanoTime();
            T result = start.get();
            String pid = result instanceof EmbeddedServer s ? s.process().pid().map(p -> ", pid " + p).orElse("") : "";
            progress.accept(String.format("%s ready at %s (%.1f s%s)", server, where, (System.nanoTime() - t0) / 1e9, pid));
            return result;
        };
    }

    public InfraEndpoints endpoints() {
        return endpoints;
    }

    /** A server this instance started, to stop, kill, pause or restart it; empty for an external one. */
    public Optional<ServerProcess> server(Server server) {
        return Optional.ofNullable(servers.get(server));
    }

    /** Stops everything this instance started; idempotent. */
    @Override
    public void close() {
        synchronized (started) {
            stopAll(started);
        }
    }

    private static void stopAll(Deque<AutoCloseable> started) {
        RuntimeException failure = null;
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                RuntimeException wrapped = e instanceof RuntimeException r ? r : new IllegalStateException(e);
                if (failure == null) {
                    failure = wrapped;
                } else {
                    failure.addSuppressed(wrapped);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}

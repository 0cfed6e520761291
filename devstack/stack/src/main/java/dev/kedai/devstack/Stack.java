package dev.kedai.devstack;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import dev.kedai.contracts.Topics;
import dev.kedai.devstack.edge.DevEdge;
import dev.kedai.devstack.edge.EdgeSettings;
import dev.kedai.devstack.edge.EdgeTrace;
import dev.kedai.devstack.edge.UpstreamTarget;
import dev.kedai.infra.DbAccount;
import dev.kedai.infra.Databases;
import dev.kedai.infra.InfraEndpoints;
import dev.kedai.infra.KafkaTopics;
import dev.kedai.infra.ServiceCertificates;
import dev.kedai.infra.otlp.OtlpReceiver;

/**
 * The five services, each in its own JVM, and the dev edge in front of them, against
 * infrastructure that is already running (the devstack's embedded servers, external ones, or
 * the tests' {@code TestInfra}).
 * Each service gets its gRPC certificate from a CA made at each start ({@link #GRPC_TLS_DIR}).
 * Start order: topics, databases, all JVMs at once, wait for every one to be ready, then the
 * dev edge (routes from {@code kong-ingress/}).
 * {@link #close()} may be called from another thread at any time (Ctrl-C during start-up).
 */
public final class Stack implements AutoCloseable {
    /** How long a service may take to stop after SIGTERM before it is killed. */
    public static final Duration STOP_GRACE = Duration.ofSeconds(15);
    /** Traces the in-memory receiver keeps (the oldest is dropped first). */
    static final int TRACES_KEPT = 500;

    private final StackSpec spec;
    /** File name of the edge's access log in the log directory. */
    public static final String EDGE_ACCESS_LOG = "edge-access.log";
    /** Directory in the state directory with the gRPC CA and each service's certificate and key (remade at each start). */
    public static final String GRPC_TLS_DIR = "grpc-tls";

    /** The sandbox payment provider's ledger in the state directory (cartorder's payment.sandbox.ledger). */
    public static final String SANDBOX_LEDGER = "sandbox-payments.tsv";

    private final List<ServiceProcess> processes = new ArrayList<>();
    private boolean closed;
    private DevEdge edge;
    private Consumer<String> errors = line -> { };
    private OtlpReceiver traces;

    public Stack(StackSpec spec) {
        this.spec = spec;
    }

    /**
     * Starts every service and the dev edge, and returns when all are ready. On failure everything
     * it started is stopped and a {@link StackException} says which service failed, with the tail
     * of its log.
     *
     * @param errors receives the error lines the services print, prefixed by "[svc] "
     */
    public Stack start(InfraEndpoints infra, Progress progress, Consumer<String> errors) {
        startServices(infra, progress, errors);
        try {
            startEdge(progress);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        return this;
    }

    /**
     * Starts every service, without the in-process dev edge (the fault-injection suite runs the
     * edge as a process of its own, {@code edge.EdgeMain}, from {@link #edgeSettings()}).
     */
    public Stack startServices(InfraEndpoints infra, Progress progress, Consumer<String> errors) {
        Map<KedaiService, Path> jars = ServiceJars.require(spec.repoRoot());
        this.errors = errors;
        try {
            KafkaTopics.ensure(infra.kafkaBootstrap(), Topics.ALL, spec.topicPartitions());
            progress.step("Kafka topics ready (" + Topics.ALL.size() + " + dead-letter topics)");
            Map<KedaiService, DbAccount> accounts = new EnumMap<>(KedaiService.class);
            for (KedaiService service : KedaiService.values()) {
                accounts.put(service, Databases.ensure(infra, service.id(), spec.dbPasswords().get(service)));
            }
            progress.step("databases ready (kedai_auth, kedai_user, kedai_product, kedai_stock, kedai_cartorder)");

            Path java = JvmOptions.javaBinary();
            // auth's signing key and admin account, kept in the stack's state directory
            DevAuth devAuth = DevAuth.of(spec);
            // a new CA at each start, its key never written: what cert-manager does in a cluster
            ServiceCertificates certificates = ServiceCertificates.create(spec.stateDir().resolve(GRPC_TLS_DIR));
            if (spec.tracing()) {
                // traces stay in this JVM: `./kedai trace` reads them, nothing to install
                OtlpReceiver receiver = OtlpReceiver.start(spec.tracePort(), TRACES_KEPT);
                synchronized (processes) {
                    traces = receiver;
                }
                progress.step("trace receiver on " + receiver.endpoint() + " (keeps the last " + TRACES_KEPT + " traces)");
            }
            Map<KedaiService, List<ServicePorts>> instances = spec.instances();
            for (int instance = 0; instance < spec.replicas(); instance++) {
                for (KedaiService service : KedaiService.values()) {
                    List<ServicePorts> own = instances.get(service);
                    if (instance < own.size()) {
                        start(service, instance, instances, infra, accounts.get(service), devAuth,
                                certificates, jars.get(service), java, errors);
                    }
                }
            }
            progress.step("started " + processes().size() + " service JVMs ("
                    + (spec.replicas() > 1 ? spec.replicas() + " of each, " : "")
                    + String.join(" ", spec.jvmOptions()) + "), waiting until ready");
            new Readiness().await(processes(), spec.readyTimeout(), progress);
            return this;
        } catch (RuntimeException e) {
            boolean stoppedByUser = isClosed();
            close();
            if (stoppedByUser) {
                throw new StackException("stopped during start-up", 130);
            }
            throw e;
        }
    }

    private void start(KedaiService service, int instance, Map<KedaiService, List<ServicePorts>> instances,
                       InfraEndpoints infra, DbAccount account, DevAuth devAuth, ServiceCertificates certificates,
                       Path jar, Path java, Consumer<String> errors) {
        var properties = ServiceProperties.of(service, instance, instances, infra, account, spec.bindHost());
        // every instance of a service has the same certificate and, for auth, the same signing key
        properties.putAll(certificates.issue(service.id()).config());
        if (service == KedaiService.AUTH) {
            properties.putAll(devAuth.authProperties());
        }
        OtlpReceiver receiver = traces().orElse(null);
        if (receiver != null) {
            properties.put("tracing.enabled", "true");
            properties.put("tracing.endpoint", receiver.endpoint());
            // the edge decides which new traces are kept; a service samples only what it starts itself
            properties.put("tracing.sampler-ratio", String.valueOf(spec.traceRatio()));
            properties.put("tracing.resource.deployment.environment.name", "devstack");
        }
        if (service == KedaiService.CARTORDER) {
            properties.put("payment.sandbox.ledger", sandboxLedger().toString());
        }
        properties.putAll(spec.overrides().getOrDefault(service, Map.of()));
        String log = instance == 0 ? service.id() + ".log" : service.id() + "-" + (instance + 1) + ".log";
        ServiceLaunch launch = new ServiceLaunch(service, jar, spec.jvmOptions(), properties,
                spec.logDir().resolve(log), spec.repoRoot(), instance);
        synchronized (processes) {
            if (closed) {
                throw new StackException("stopped during start-up", 130);
            }
            processes.add(ServiceProcess.start(launch, java, errors));
        }
    }

    /** Where the sandbox payment provider records every charge and refund ({@code <state>/sandbox-payments.tsv}). */
    public Path sandboxLedger() {
        return spec.stateDir().resolve(SANDBOX_LEDGER);
    }

    /** The running (or last) process of a service's first instance. */
    public ServiceProcess process(KedaiService service) {
        return process(service, 0);
    }

    /** The running (or last) process of instance {@code instance} (0 = the first) of a service. */
    public ServiceProcess process(KedaiService service, int instance) {
        synchronized (processes) {
            return processes.stream().filter(p -> p.service() == service && p.launch().instance() == instance)
                    .findFirst().orElseThrow(() -> new IllegalStateException(service.id() + " instance " + instance
                            + " was never started"));
        }
    }

    /**
     * Starts a service that has stopped (killed, crashed) again with the same command line, ports
     * and log file, and waits until it is ready; the others are left alone.
     */
    public ServiceProcess restart(KedaiService service, Progress progress) {
        return restart(service, 0, progress);
    }

    /** {@link #restart(KedaiService, Progress)} for instance {@code instance} of the service. */
    public ServiceProcess restart(KedaiService service, int instance, Progress progress) {
        ServiceProcess old = process(service, instance);
        if (old.isAlive()) {
            throw new IllegalStateException(old + " is still running; stop or kill it first");
        }
        ServiceProcess started;
        synchronized (processes) {
            if (closed) {
                throw new StackException("the stack is stopping", 130);
            }
            started = ServiceProcess.start(old.launch(), JvmOptions.javaBinary(), errors);
            processes.set(processes.indexOf(old), started);
        }
        new Readiness().await(List.of(started), spec.readyTimeout(), progress);
        return started;
    }

    /**
     * What the dev edge of this stack runs with: its routes to these services' ports. With more
     * than one instance of each it balances over them and probes each one's readiness.
     */
    public EdgeSettings edgeSettings() {
        Map<String, List<UpstreamTarget>> services = new java.util.HashMap<>();
        for (KedaiService service : KedaiService.values()) {
            services.put(serviceName(service), spec.instances(service).stream()
                    .map(p -> new UpstreamTarget(URI.create("http://127.0.0.1:" + p.http()),
                            spec.replicas() > 1 ? Optional.of(Readiness.readyUri(p.admin())) : Optional.empty()))
                    .toList());
        }
        return new EdgeSettings(spec.bindHost(), spec.edgePort(), spec.kongManifests(), services,
                httpUri(KedaiService.AUTH).resolve("/auth/jwks"), spec.logDir().resolve(EDGE_ACCESS_LOG),
                spec.edgeRateLimits(), edgeTrace());
    }

    // the edge's spans go straight into the receiver of this JVM
    private EdgeTrace edgeTrace() {
        OtlpReceiver receiver = traces().orElse(null);
        return receiver == null ? EdgeTrace.OFF
                : new EdgeTrace(spec.traceRatio(), span -> receiver.store().add(List.of(span)));
    }

    /** The dev edge after the services, so its first request finds them ready. */
    private void startEdge(Progress progress) {
        DevEdge started = DevEdge.start(edgeSettings());
        synchronized (processes) {
            edge = started;
            if (closed) {
                started.close();
                throw new StackException("stopped during start-up", 130);
            }
        }
        progress.step("dev edge on " + started.uri() + ": " + started.router().routes().size()
                + " Kong routes from " + spec.kongManifests() + (spec.edgeRateLimits() ? "" : " (rate limits off)"));
    }

    /** The Kubernetes Service of a service, as the Ingresses name it (docs/edge.md): {@code kedai-<svc>}. */
    public static String serviceName(KedaiService service) {
        return "kedai-" + service.id();
    }

    /** The trace receiver, when the stack traces. */
    public Optional<OtlpReceiver> traces() {
        synchronized (processes) {
            return Optional.ofNullable(traces);
        }
    }

    /** The dev edge, once started. */
    public DevEdge edge() {
        synchronized (processes) {
            if (edge == null) {
                throw new IllegalStateException("the dev edge has not started");
            }
            return edge;
        }
    }

    /** {@code http://127.0.0.1:<edge port>}: where clients go. */
    public URI edgeUri() {
        return edge().uri();
    }

    public StackSpec spec() {
        return spec;
    }

    public ServicePorts ports(KedaiService service) {
        return spec.ports().get(service);
    }

    /** {@code http://127.0.0.1:<http port>} of a service. */
    public URI httpUri(KedaiService service) {
        return URI.create("http://127.0.0.1:" + ports(service).http());
    }

    /** {@code http://127.0.0.1:<admin port>} of a service (health, metrics). */
    public URI adminUri(KedaiService service) {
        return URI.create("http://127.0.0.1:" + ports(service).admin());
    }

    public List<ServiceProcess> processes() {
        synchronized (processes) {
            return List.copyOf(processes);
        }
    }

    /** Completes when any service exits (for the launcher: a crash after start-up). */
    public CompletableFuture<ServiceProcess> anyExit() {
        List<CompletableFuture<ServiceProcess>> exits = processes().stream().map(ServiceProcess::onExit).toList();
        return CompletableFuture.anyOf(exits.toArray(CompletableFuture[]::new)).thenApply(ServiceProcess.class::cast);
    }

    public boolean isClosed() {
        synchronized (processes) {
            return closed;
        }
    }

    /**
     * Stops every service: SIGTERM to all at once (they stop in parallel), then waits for each;
     * one still running after {@link #STOP_GRACE} is killed with its descendants. Idempotent.
     */
    @Override
    public void close() {
        List<ServiceProcess> running;
        DevEdge runningEdge;
        synchronized (processes) {
            closed = true;
            running = List.copyOf(processes);
            runningEdge = edge;
        }
        if (runningEdge != null) {
            runningEdge.close();   // first: no new requests reach services that are stopping
        }
        running.forEach(ServiceProcess::terminate);
        for (ServiceProcess process : running) {
            process.awaitExit(STOP_GRACE);
        }
        OtlpReceiver receiver;
        synchronized (processes) {
            receiver = traces;
        }
        if (receiver != null) {
            receiver.close();   // last: the services flush their spans as they stop
        }
    }
}

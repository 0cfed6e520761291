package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.kedai.contracts.Topics;
import dev.kedai.devstack.edge.DevEdge;
import dev.kedai.devstack.edge.EdgeSettings;
import dev.kedai.infra.Databases;
import dev.kedai.infra.DbAccount;
import dev.kedai.infra.InfraEndpoints;
import dev.kedai.infra.KafkaTopics;
import dev.kedai.infra.TestInfra;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM to a service JVM while clients load it through the dev edge, as a rolling update does
 * to a pod: no request fails, except those that reach the edge after the service's drain window
 * and find its port closed (the edge answers 502; in a cluster the pod has left the endpoints by
 * then). Its readiness turns 503 at once (so a load balancer stops choosing it) while it keeps
 * serving through the drain window. A service of its own (product, with a 3 s drain delay), so the
 * shared stack of the other system tests keeps running. Loopback only; bounded in requests (4,000)
 * and time (90 s).
 */
class GracefulShutdownSystemTest {
    private static final Duration DRAIN_DELAY = Duration.ofSeconds(3);
    private static final int CLIENTS = 6;
    // a bound only: the run normally ends 50 requests after the exit; on an idle machine 4,000 were
    // all spent inside the 3 s drain window, leaving none to meet the closed port
    private static final int MAX_REQUESTS = 40_000;

    /** One request through the edge: when it started and ended (nanoTime), and how it ended. */
    record Outcome(long start, long end, int status, String error) {
        boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    @Test
    void sigtermUnderLoadFailsNoRequestBeforeTheServiceStopsListening() throws Exception {
        Path root = StackConfig.findRepoRoot(Path.of("")).orElseThrow();
        InfraEndpoints infra = TestInfra.get();
        KafkaTopics.ensure(infra.kafkaBootstrap(), Topics.ALL, 1);
        DbAccount db = Databases.ensure(infra, KedaiService.PRODUCT.id(), DevPasswords.random());
        Map<KedaiService, ServicePorts> ports = StackSpec.freePorts();
        var properties = ServiceProperties.of(KedaiService.PRODUCT, ports, infra, db, StackSpec.LOOPBACK);
        properties.putAll(dev.kedai.infra.ServiceCertificates.create(Path.of("target/shutdown-grpc-tls").toAbsolutePath())
                .issue(KedaiService.PRODUCT.id()).config());
        properties.put("kafka.topic-prefix", "shutdown-" + UUID.randomUUID().toString().substring(0, 8) + ".");
        properties.put("shutdown.drain-delay", "PT" + DRAIN_DELAY.toSeconds() + "S");
        properties.put("server.shutdown-grace-period", "PT5S");
        properties.put("grpc.shutdown-grace", "PT5S");
        Path logs = Path.of("target/shutdown-logs").toAbsolutePath();
        ServiceLaunch launch = new ServiceLaunch(KedaiService.PRODUCT, ServiceJars.require(root).get(KedaiService.PRODUCT),
                JvmOptions.forService("192m"), properties, logs.resolve("product.log"), root);
        ServiceProcess product = ServiceProcess.start(launch, JvmOptions.javaBinary(), System.err::println);
        try {
            new Readiness().await(List.of(product), Duration.ofMinutes(2), Progress.silent());
            Map<String, URI> services = new HashMap<>();
            for (KedaiService service : KedaiService.values()) {
                services.put(Stack.serviceName(service), URI.create("http://127.0.0.1:" + ports.get(service).http()));
            }
            try (DevEdge edge = DevEdge.start(new EdgeSettings(0, root.resolve("kong-ingress"), services,
                    URI.create("http://127.0.0.1:" + ports.get(KedaiService.AUTH).http() + "/auth/jwks"),
                    logs.resolve("edge-access.log"), false))) {
                run(edge.uri().resolve("/products?page_size=5"), product, ports.get(KedaiService.PRODUCT).admin());
            }
        } finally {
            product.stop(Duration.ofSeconds(15));
        }
    }

    /** The readiness status, or -1 when the admin port refuses the connection. */
    private static int readinessStatus(HttpClient client, int adminPort) {
        try {
            return client.send(HttpRequest.newBuilder(Readiness.readyUri(adminPort)).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static void run(URI target, ServiceProcess product, int adminPort) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        AtomicInteger sent = new AtomicInteger();
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger okCount = new AtomicInteger();
        CountDownLatch warmedUp = new CountDownLatch(1);
        AtomicBoolean exitedFlag = new AtomicBoolean();
        CountDownLatch afterExit = new CountDownLatch(50);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            clients.add(Thread.ofPlatform().name("load-" + i).start(() -> {
                while (!done.get() && sent.incrementAndGet() <= MAX_REQUESTS && System.nanoTime() < deadline) {
                    long start = System.nanoTime();
                    try {
                        HttpResponse<String> res = client.send(HttpRequest.newBuilder(target)
                                .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
                        outcomes.add(new Outcome(start, System.nanoTime(), res.statusCode(), null));
                        if (res.statusCode() == 200 && okCount.incrementAndGet() >= 200) {
                            warmedUp.countDown();
                        }
                    } catch (Exception e) {
                        outcomes.add(new Outcome(start, System.nanoTime(), -1, e.toString()));
                    }
                    if (exitedFlag.get()) {
                        afterExit.countDown();
                    }
                }
            }));
        }
        assertThat(warmedUp.await(60, TimeUnit.SECONDS)).as("200 answers before the signal").isTrue();

        long sigterm = System.nanoTime();
        product.terminate();   // SIGTERM, as the kubelet sends after preStop
        // readiness: 503 while draining, before the admin port closes (a stop without a drain
        // window goes straight from 200 to a refused connection)
        List<Integer> readiness = new ArrayList<>();
        while ((readiness.isEmpty() || readiness.getLast() == 200) && System.nanoTime() < deadline) {
            readiness.add(readinessStatus(client, adminPort));
        }
        assertThat(product.awaitExit(Duration.ofSeconds(30))).as("the service stops within its grace periods").isTrue();
        long exited = System.nanoTime();
        exitedFlag.set(true);
        // a little more load against the closed port, then stop
        boolean loadAfterExit = afterExit.await(30, TimeUnit.SECONDS);
        done.set(true);
        for (Thread t : clients) {
            t.join(Duration.ofSeconds(30));
        }

        long drainEnds = sigterm + DRAIN_DELAY.toNanos();
        List<Outcome> failedEarly = new ArrayList<>();
        List<Outcome> notRefused = new ArrayList<>();
        int servedWhileDraining = 0;
        int refused = 0;
        for (Outcome o : outcomes) {
            if (o.ok()) {
                if (o.start() > sigterm) {
                    servedWhileDraining++;
                }
                continue;
            }
            if (o.end() < drainEnds) {
                // the port cannot be closed before the drain window ends: this request was dropped
                failedEarly.add(o);
            } else if (o.status() != 502) {
                // a refused connection is the edge's 502; anything else (a 5xx of the service, a
                // cut answer) hit a request the service had accepted
                notRefused.add(o);
            } else {
                refused++;
            }
        }
        System.out.printf("graceful shutdown: %d requests, %d ok after SIGTERM, %d refused after the drain window, "
                        + "service exited %d ms after SIGTERM%n", outcomes.size(), servedWhileDraining, refused,
                TimeUnit.NANOSECONDS.toMillis(exited - sigterm));
        assertThat(loadAfterExit).as("50 requests sent after the service exited").isTrue();
        assertThat(readiness.getLast()).as("readiness after SIGTERM, before the port closes").isEqualTo(503);
        assertThat(failedEarly).as("requests that failed before the drain window ended").isEmpty();
        assertThat(notRefused).as("failed requests that were not refused connections").isEmpty();
        assertThat(servedWhileDraining).as("answers after SIGTERM (the drain window keeps serving)").isPositive();
        assertThat(refused).as("requests after the service stopped are refused (the test really stopped it)").isPositive();
    }
}

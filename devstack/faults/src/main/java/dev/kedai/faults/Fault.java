package dev.kedai.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

import dev.kedai.devstack.KedaiService;
import dev.kedai.devstack.Progress;
import dev.kedai.devstack.ServiceProcess;
import dev.kedai.infra.Infra;
import dev.kedai.infra.ServerProcess;
import dev.kedai.infra.Signals;

/**
 * One fault: what it does to which process, and what surviving it proves.
 *
 * @param name   short id ({@code kill-cartorder}), for {@code --faults}
 * @param title  what happens, for the table
 * @param target the process it hits ({@code cartorder}, {@code mariadb}, {@code edge}), or
 *               {@code -} when no process is touched (a slow peer): every other process must keep
 *               running with the same pid
 * @param proves what surviving it shows (docs/reliability.md)
 * @param takes  about how long injecting, holding and restoring take on an idle machine (its hold,
 *               plus a restart), for the budget; not an assertion
 * @param action injects, holds, restores
 * @param listed in issue 12's list of faults; the others, beyond it, may be left out of a run whose
 *               time budget ran out ({@link FaultRun}), as long as {@link FaultRun#AT_LEAST} ran
 */
record Fault(String name, String title, String target, String proves, Duration takes, Action action, boolean listed) {

    Fault(String name, String title, String target, String proves, Duration takes, Action action) {
        this(name, title, target, proves, takes, action, true);
    }

    /** This fault as one beyond issue 12's list. */
    Fault beyondTheList() {
        return new Fault(name, title, target, proves, takes, action, false);
    }

    /** What a fault does to the stack. */
    @FunctionalInterface
    interface Action {
        /**
         * Injects the fault, holds it, and restores; calls {@code restoring} at the moment the
         * restore begins (the time to recover counts from there).
         */
        void run(FaultStack stack, Runnable restoring, Progress progress);
    }

    /** Pauses, stops and slow peers last this long, as issue 12 sets them. */
    static final Duration PAUSE = Duration.ofSeconds(10);
    /** The faults beyond issue 12's list (maintenance stops, stalled services) are shorter, to fit CI's 12 minutes. */
    static final Duration SHORT = Duration.ofSeconds(5);
    static final Duration BROKER_DOWN = Duration.ofSeconds(20);
    static final Duration SLOW_PEER = Duration.ofSeconds(15);
    /** Past every gRPC deadline of the callers (default 2 s, stock's AddItem 1 s). */
    static final Duration PEER_DELAY = Duration.ofSeconds(3);
    /** Roughly what a restart takes on an idle machine: a service JVM until ready, a server, the edge. */
    private static final Duration SERVICE_START = Duration.ofSeconds(15);
    private static final Duration SERVER_START = Duration.ofSeconds(5);

    /** Every fault, in the order a run injects them. */
    static List<Fault> all() {
        List<Fault> faults = new ArrayList<>();
        for (KedaiService service : List.of(KedaiService.CARTORDER, KedaiService.STOCK, KedaiService.AUTH,
                KedaiService.USER, KedaiService.PRODUCT)) {
            faults.add(restart("kill-", "kill -9 " + service.id() + " mid-checkout, restart", service,
                    "a crash mid-request loses nothing committed; clients recover by retrying", ServiceProcess::kill));
        }
        faults.add(server("kill-mariadb", "MariaDB kill -9, restart", Infra.Server.MARIADB,
                "committed rows survive a database crash; services reconnect by themselves", ServerProcess::kill, null));
        faults.add(server("pause-mariadb", "MariaDB paused (SIGSTOP) 10 s", Infra.Server.MARIADB,
                "a hung database costs only the requests that need it, and only while it hangs", ServerProcess::pause, PAUSE));
        faults.add(server("stop-kafka", "Kafka broker stopped 20 s, started", Infra.Server.KAFKA,
                "a broker outage is not a write outage: events wait in the outboxes and arrive afterwards",
                ServerProcess::stop, BROKER_DOWN));
        faults.add(server("kill-kafka", "Kafka broker kill -9, restart", Infra.Server.KAFKA,
                "no event is lost or dead-lettered when the broker crashes", ServerProcess::kill, null));
        faults.add(server("kill-redis", "Redis kill -9, restart", Infra.Server.REDIS,
                "the cache and the deny list come back; nothing depends on Redis for correctness", ServerProcess::kill, null));
        faults.add(server("pause-redis", "Redis paused (SIGSTOP) 10 s", Infra.Server.REDIS,
                "a hung Redis does not queue every request without bound", ServerProcess::pause, PAUSE));
        faults.add(edge("kill-edge", "the edge (launcher) kill -9, restart",
                "the edge holds nothing that a restart loses for the checkout (rate-limit counters aside)",
                ServerProcess::kill));
        faults.add(slowPeer(KedaiService.STOCK));
        faults.add(slowPeer(KedaiService.CARTORDER));
        // beyond issue 12's list, last: under a budget they are the ones left out when time runs short
        List<Fault> beyond = new ArrayList<>();
        beyond.add(server("stop-mariadb", "MariaDB stopped 5 s (clean shutdown), started", Infra.Server.MARIADB,
                "a database restart (maintenance) is survived like a crash", ServerProcess::stop, SHORT));
        beyond.add(server("pause-kafka", "Kafka broker paused (SIGSTOP) 5 s", Infra.Server.KAFKA,
                "a hung broker (long GC, full disk) does not block writes", ServerProcess::pause, SHORT));
        beyond.add(server("stop-redis", "Redis stopped 5 s, started", Infra.Server.REDIS,
                "Redis down for a while degrades, and recovers without restarts", ServerProcess::stop, SHORT));
        for (KedaiService service : List.of(KedaiService.CARTORDER, KedaiService.STOCK)) {
            beyond.add(restart("restart-", service.id() + " SIGTERM, restart (rolling deploy)", service,
                    "a clean restart finishes or hands back what it was doing",
                    process -> process.stop(Duration.ofSeconds(15))));
        }
        for (KedaiService service : List.of(KedaiService.CARTORDER, KedaiService.STOCK)) {
            beyond.add(new Fault("pause-" + service.id(), service.id() + " paused (SIGSTOP) 5 s", service.id(),
                    "a stalled service (a long GC pause) costs only its own requests, and only while stalled", SHORT,
                    (stack, restoring, progress) -> {
                        long pid = stack.stack().process(service).pid();
                        Signals.send(pid, "STOP");
                        try {
                            hold(SHORT);
                        } finally {
                            restoring.run();
                            Signals.send(pid, "CONT");
                        }
                    }));
        }
        beyond.add(edge("restart-edge", "the edge SIGTERM, restart",
                "a clean edge restart drops only the requests in flight", ServerProcess::stop));
        beyond.forEach(fault -> faults.add(fault.beyondTheList()));
        return List.copyOf(faults);
    }

    /**
     * Issue 11's outages, longer than the run's faults and not in it (nor in {@code --ci}): run
     * them by name ({@code --faults stop-mariadb-60s,...}). The progress line of each says what it
     * cost in write latency and the slowest answer, beside the invariants.
     */
    static List<Fault> backbone() {
        return List.of(
                server("stop-mariadb-60s", "MariaDB stopped 60 s (clean shutdown), started", Infra.Server.MARIADB,
                        "transient failures are retried, not dead-lettered: every paid order is FULFILLED, every .dlt empty",
                        ServerProcess::stop, Duration.ofSeconds(60)),
                server("stop-kafka-90s", "Kafka broker stopped 90 s, started", Infra.Server.KAFKA,
                        "the relay and consumer loops outlive a long broker outage and apply new events afterwards",
                        ServerProcess::stop, Duration.ofSeconds(90)),
                server("stop-kafka-30s", "Kafka broker stopped 30 s, started", Infra.Server.KAFKA,
                        "writes go on at their normal latency (p99 within 2x the baseline's); the outbox drains afterwards",
                        ServerProcess::stop, Duration.ofSeconds(30)),
                server("pause-redis-30s", "Redis paused (SIGSTOP) 30 s", Infra.Server.REDIS,
                        "requests answer within 1 s (degraded or 503) while Redis hangs; none queue",
                        ServerProcess::pause, Duration.ofSeconds(30)));
    }

    /** A service stopped by {@code stop}, then started again (waits until it is ready). */
    private static Fault restart(String prefix, String title, KedaiService service, String proves,
                                 java.util.function.Consumer<ServiceProcess> stop) {
        return new Fault(prefix + service.id(), title, service.id(), proves, SERVICE_START, (stack, restoring, progress) -> {
            stop.accept(stack.stack().process(service));
            restoring.run();
            stack.stack().restart(service, progress);
        });
    }

    /** The edge stopped by {@code stop}, then started again on its port. */
    private static Fault edge(String name, String title, String proves, java.util.function.Consumer<ServerProcess> stop) {
        return new Fault(name, title, "edge", proves, SERVER_START, (stack, restoring, progress) -> {
            stop.accept(stack.edge());
            restoring.run();
            stack.edge().start();
        });
    }

    /** A fault on an infrastructure server: {@code inject}, then (after {@code hold} if given) its restore. */
    private static Fault server(String name, String title, Infra.Server server, String proves,
                                java.util.function.Consumer<ServerProcess> inject, Duration hold) {
        return new Fault(name, title, server.name().toLowerCase(Locale.ROOT), proves,
                hold == null ? SERVER_START : hold.plus(SERVER_START), (stack, restoring, progress) -> {
            ServerProcess process = stack.server(server);
            inject.accept(process);
            try {
                if (hold != null) {
                    hold(hold);
                }
            } finally {
                restoring.run();
                if (process.isAlive()) {
                    process.resume(); // paused
                } else {
                    process.start();  // killed or stopped
                }
            }
        });
    }

    private static Fault slowPeer(KedaiService service) {
        return new Fault("slow-" + service.id(), service.id() + " gRPC delayed " + PEER_DELAY.toSeconds()
                + " s (past deadlines) for 15 s", "-",
                "callers give up at their deadline and answer 503/504 (or queue the add); nothing hangs, nothing half-done stays",
                SLOW_PEER, (stack, restoring, progress) -> {
                    List<DelayProxy> proxies = stack.proxies(service);
                    proxies.forEach(proxy -> proxy.delay(PEER_DELAY));
                    try {
                        hold(SLOW_PEER);
                    } finally {
                        restoring.run();
                        proxies.forEach(proxy -> proxy.delay(Duration.ZERO));
                    }
                });
    }

    /** The fault's duration: the waiting is the fault, not a synchronisation. */
    private static void hold(Duration duration) {
        long end = System.nanoTime() + duration.toNanos();
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }
}

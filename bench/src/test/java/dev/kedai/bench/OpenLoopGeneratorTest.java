package dev.kedai.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class OpenLoopGeneratorTest {

    /** Any path on the target: lets one scenario serve every test server. */
    private static Scenario get(String path) {
        return new Scenario() {
            @Override
            public String name() {
                return "test-get";
            }

            @Override
            public String description() {
                return "GET " + path;
            }

            @Override
            public URI defaultTarget() {
                return URI.create("http://127.0.0.1:1");
            }

            @Override
            public BenchRequest nextRequest(long sequence) {
                return BenchRequest.get(path);
            }
        };
    }

    private static BenchSettings settings(URI target, double rate, String warmup, String duration, int concurrency,
                                          String timeout) {
        return new BenchSettings(target, rate, DurationText.parse(warmup), DurationText.parse(duration),
                concurrency, DurationText.parse(timeout));
    }

    /**
     * Exact counts hold whatever the machine's speed: the concurrency cap is above every request of
     * the run (nothing can be dropped) and the timeout far above any answer time. The rate is checked
     * from below only (no request leaves before its slot), which a slow machine cannot break.
     */
    @Test
    void offeredRateIsHonoured() throws Exception {
        AtomicInteger served = new AtomicInteger();
        java.util.List<Long> arrivals = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        try (TinyServer server = new TinyServer(Executors.newVirtualThreadPerTaskExecutor())
                .handle("/ok", exchange -> {
                    arrivals.add(System.nanoTime());
                    served.incrementAndGet();
                    TinyServer.respond(exchange, 200, "[]");
                })) {
            long before = System.nanoTime();
            BenchResult result = new OpenLoopGenerator(settings(server.uri(), 400, "200ms", "1s", 1_000, "30s"))
                    .run(get("/ok"));

            assertThat(result.scheduled()).isEqualTo(400);
            assertThat(result.sent()).isEqualTo(400);
            assertThat(result.ok()).isEqualTo(400);
            assertThat(result.dropped()).isZero();
            assertThat(result.errors()).isEmpty();
            assertThat(result.latencyMs().count()).isEqualTo(400);
            // warm-up requests went out but were not recorded
            assertThat(served.get()).isEqualTo(480);
            // never ahead of schedule: the 480th slot is due 1.1975 s after the first, which is not due
            // before run() was called, so the last request cannot arrive earlier than that
            long last = arrivals.stream().mapToLong(Long::longValue).max().orElseThrow();
            assertThat(last - before).isGreaterThanOrEqualTo(1_197_500_000L);
            assertThat(result.achievedRps()).isLessThanOrEqualTo(401.0);
        }
    }

    @Test
    void latencyCountsFromIntendedSendTimeSoAStallShowsItsWholeQueue() throws Exception {
        AtomicInteger seen = new AtomicInteger();
        AtomicBoolean stalled = new AtomicBoolean();
        // single dispatcher thread: while it stalls, every later request waits in the queue
        try (TinyServer server = new TinyServer(null).handle("/ok", exchange -> {
            if (seen.incrementAndGet() == 60 && stalled.compareAndSet(false, true)) {
                try {
                    Thread.sleep(200); // the stall under test, not synchronisation
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            TinyServer.respond(exchange, 200, "[]");
        })) {
            // no slot can be dropped or time out on a slow machine: the cap is above the 200 slots, the timeout far away
            BenchResult result = new OpenLoopGenerator(settings(server.uri(), 200, "0s", "1s", 1_000, "30s"))
                    .run(get("/ok"));

            assertThat(stalled).isTrue();
            assertThat(result.ok()).isEqualTo(200);
            assertThat(result.latencyMs().max()).isGreaterThanOrEqualTo(200);
            assertThat(result.latencyMs().p999()).isGreaterThanOrEqualTo(200);
            // about 40 requests were due during the stall; measured from their due time they wait
            // 0..200 ms, so p99 is far above the idle latency. A closed-loop client would have
            // sent them late and reported them fast.
            assertThat(result.latencyMs().p99()).isGreaterThan(100);
        }
    }

    @Test
    void errorsAreCountedByStatus() throws Exception {
        AtomicInteger seen = new AtomicInteger();
        AtomicInteger unavailable = new AtomicInteger();
        AtomicInteger notFound = new AtomicInteger();
        try (TinyServer server = new TinyServer(Executors.newVirtualThreadPerTaskExecutor())
                .handle("/flaky", exchange -> {
                    int n = seen.incrementAndGet();
                    if (n % 4 == 0) {
                        unavailable.incrementAndGet();
                        TinyServer.respond(exchange, 503, "{}");
                    } else if (n % 10 == 0) {
                        notFound.incrementAndGet();
                        TinyServer.respond(exchange, 404, "{}");
                    } else {
                        TinyServer.respond(exchange, 200, "[]");
                    }
                })) {
            BenchResult result = new OpenLoopGenerator(settings(server.uri(), 200, "0s", "500ms", 1_000, "30s"))
                    .run(get("/flaky"));

            assertThat(result.completed()).as("errors %s", result.errors()).isEqualTo(100);
            assertThat(result.errors()).containsOnlyKeys("http_503", "http_404");
            assertThat(result.errors().get("http_503")).isEqualTo(unavailable.get()).isEqualTo(25);
            assertThat(result.errors().get("http_404")).isEqualTo(notFound.get());
            assertThat(result.ok()).isEqualTo(100 - unavailable.get() - notFound.get());
        }
    }

    @Test
    void timeoutsAreCountedAsTimeouts() throws Exception {
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        try (TinyServer server = new TinyServer(Executors.newVirtualThreadPerTaskExecutor())
                .handle("/slow", exchange -> {
                    try {
                        never.await(30, java.util.concurrent.TimeUnit.SECONDS);   // no answer within the run
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    TinyServer.respond(exchange, 200, "[]");
                })) {
            try {
                BenchResult result = new OpenLoopGenerator(settings(server.uri(), 50, "0s", "200ms", 64, "100ms"))
                        .run(get("/slow"));

                assertThat(result.errors()).containsOnlyKeys("timeout");
                assertThat(result.errors().get("timeout")).isEqualTo(10);
                assertThat(result.completed()).isZero();
            } finally {
                never.countDown();   // before the server closes, which waits for its handlers
            }
        }
    }

    @Test
    void refusedConnectionsAreCountedAsConnectionErrors() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        BenchResult result = new OpenLoopGenerator(
                settings(URI.create("http://127.0.0.1:" + closedPort), 50, "0s", "200ms", 16, "1s"))
                .run(get("/stock"));

        assertThat(result.errors()).containsOnlyKeys("connect_error");
        assertThat(result.errors().get("connect_error")).isEqualTo(10);
        assertThat(result.failures()).isEqualTo(10);
    }

    @Test
    void slotsBeyondTheConcurrencyLimitAreDroppedNotQueued() throws Exception {
        try (TinyServer server = new TinyServer(Executors.newVirtualThreadPerTaskExecutor())
                .handle("/slow", exchange -> {
                    try {
                        Thread.sleep(100); // each request holds its slot for 100 ms
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    TinyServer.respond(exchange, 200, "[]");
                })) {
            // 2 in flight × 10/s each = 20 req/s capacity against 100 req/s offered
            BenchResult result = new OpenLoopGenerator(settings(server.uri(), 100, "0s", "500ms", 2, "30s"))
                    .run(get("/slow"));

            assertThat(result.dropped()).isGreaterThan(20);
            assertThat(result.sent()).isEqualTo(result.scheduled() - result.dropped());
            assertThat(result.ok()).isEqualTo(result.sent());
            // no request waited for a slot: queued, the last of the 50 slots would have waited about
            // 2 s (20 req/s of capacity); the bound sits far from both that and the 100 ms an answer takes
            assertThat(result.latencyMs().max()).isLessThan(1_000);
        }
    }

    /**
     * The generator shares the machine's cores with the server it loads, so reading an answer must
     * cost it about one pass over the bytes, not a multiple: heap allocated by the whole JVM (the
     * stand-in writes one prepared array) per body byte received. Helidon 4.1.7's WebClient
     * allocated more than ten per byte (a hex dump of each buffer it read).
     */
    @Test
    void readingAnAnswerCostsTheGeneratorAboutOnePassOverItsBytes() throws Exception {
        int size = 1 << 20;
        byte[] body = new byte[size];
        java.util.Arrays.fill(body, (byte) 'x');
        try (TinyServer server = new TinyServer(Executors.newVirtualThreadPerTaskExecutor())
                .handle("/big", exchange -> {
                    exchange.sendResponseHeaders(200, body.length);
                    try (java.io.OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                })) {
            // warm connections, classes and JIT first
            new OpenLoopGenerator(settings(server.uri(), 20, "0s", "200ms", 1_000, "30s")).run(get("/big"));
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long before = threads.getTotalThreadAllocatedBytes();
            BenchResult result = new OpenLoopGenerator(settings(server.uri(), 20, "0s", "1s", 1_000, "30s"))
                    .run(get("/big"));
            long allocated = threads.getTotalThreadAllocatedBytes() - before;

            assertThat(result.ok()).isEqualTo(20);
            assertThat((double) allocated / (20L * size)).as("bytes allocated per body byte received (%d in all)",
                    allocated).isLessThan(3.0);
        }
    }

    @Test
    void nonLoopbackTargetsAreRefused() {
        for (String target : new String[] {"http://10.0.0.1:8002", "http://example.com", "http://127.0.0.2:8002",
                "http://0.0.0.0:8002", "ftp://127.0.0.1/", "127.0.0.1:8002"}) {
            assertThatThrownBy(() -> settings(URI.create(target), 10, "0s", "1s", 1, "1s"))
                    .as(target).isInstanceOf(IllegalArgumentException.class);
        }
        for (String target : new String[] {"http://127.0.0.1:8002", "http://localhost:8002", "http://[::1]:8002"}) {
            assertThat(settings(URI.create(target), 10, "0s", "1s", 1, "1s").target()).hasToString(target);
        }
    }

    @Test
    void aScenarioCannotNameAnotherHost() {
        for (String path : new String[] {"http://192.0.2.1/stock", "//192.0.2.1/stock", "stock"}) {
            assertThatThrownBy(() -> BenchRequest.get(path)).as(path).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void failuresAreClassifiedByCause() {
        assertThat(OpenLoopGenerator.failureKind(new java.io.UncheckedIOException(
                new java.net.SocketTimeoutException("Read timed out")))).isEqualTo("timeout");
        assertThat(OpenLoopGenerator.failureKind(new java.io.UncheckedIOException(
                new java.net.ConnectException("Connection refused")))).isEqualTo("connect_error");
        assertThat(OpenLoopGenerator.failureKind(new java.io.UncheckedIOException(
                new java.io.EOFException()))).isEqualTo("io_error");
        assertThat(OpenLoopGenerator.failureKind(new io.netty.handler.codec.PrematureChannelClosureException(
                "channel gone inactive with 1 missing response(s)"))).isEqualTo("connection_closed");
        assertThat(OpenLoopGenerator.failureKind(new java.nio.channels.ClosedChannelException()))
                .isEqualTo("connection_closed");
        assertThat(OpenLoopGenerator.failureKind(new IllegalStateException("?")))
                .isEqualTo("other_error_IllegalStateException");
    }
}

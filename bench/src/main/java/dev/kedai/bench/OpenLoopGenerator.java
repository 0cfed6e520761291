package dev.kedai.bench;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.helidon.webclient.api.WebClient;
import io.netty.handler.codec.PrematureChannelClosureException;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * Sends requests at a constant arrival rate, whatever the server does.
 * <p>
 * The schedule is an {@link OpenLoop}: slot {@code i} is due at {@code origin + i / rate} and
 * each due slot is sent at once on an asynchronous client ({@link LoadConnections}, on whose event
 * loop the schedule is walked), whose callback records the latency from the slot's <em>due</em> time. A server that stalls therefore shows the whole queue it built
 * up, not just the one slow request a closed-loop client would see (coordinated omission). A slot that finds
 * {@code concurrency} requests in flight is counted as dropped instead of waiting, because
 * waiting would silently lower the offered rate.
 */
public final class OpenLoopGenerator {

    private static final long NANOS_PER_MICRO = 1_000;

    private final BenchSettings settings;
    private final OpenLoop loop;
    private final ConcurrentHistogram latency = new ConcurrentHistogram(3);
    private final ConcurrentHistogram sendLag = new ConcurrentHistogram(3);
    private final LongAdder completed = new LongAdder();
    private final LongAdder ok = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final AtomicLong lastMeasuredResponse = new AtomicLong(Long.MIN_VALUE);

    public OpenLoopGenerator(BenchSettings settings) {
        this.settings = settings;
        this.loop = new OpenLoop(settings.rate(), settings.concurrency());
    }

    /**
     * The client for set-up calls (logging in, picking products): Helidon's blocking HTTP/1.1
     * client; no redirects, since a redirect could leave loopback.
     */
    public static WebClient newClient(BenchSettings settings) {
        return WebClient.builder()
                .baseUri(settings.target().toString())
                .connectTimeout(settings.timeout())
                .readTimeout(settings.timeout())
                .followRedirects(false)
                .keepAlive(true)
                .build();
    }

    /**
     * Runs set-up, warm-up and the measured phase of {@code scenario}, then waits (at most the
     * request timeout plus a second) for the requests still in flight. Use one generator per run.
     */
    public BenchResult run(Scenario scenario) throws Exception {
        WebClient setupClient = newClient(settings);
        // requests still out when it closes are already counted as unfinished
        try (LoadConnections connections = new LoadConnections(settings.target(), settings.timeout())) {
            scenario.setup(new ScenarioContext(setupClient, settings.target(), settings.timeout()));
            long measureStart = schedule(scenario, connections);
            return result(measureStart, drain());
        } finally {
            setupClient.closeResource();
        }
    }

    /** Walks the schedule on the connections' event loop; returns the due time of the first measured slot. */
    private long schedule(Scenario scenario, LoadConnections connections) throws Exception {
        long warmupSlots = settings.warmupRequests();
        long totalSlots = warmupSlots + settings.measuredRequests();
        long origin;
        try {
            origin = loop.runOn(connections.loop(), totalSlots, (slot, due, done) -> {
                try {
                    send(connections, scenario.nextRequest(slot), due, slot >= warmupSlots, done);
                } catch (RuntimeException e) {
                    done.run();
                    throw e;
                }
            }, slot -> {
                if (slot >= warmupSlots) {
                    dropped.increment();
                }
            }).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        return origin + (long) (warmupSlots * 1e9 / settings.rate());
    }

    private void send(LoadConnections connections, BenchRequest request, long due, boolean measured, Runnable done) {
        if (measured) {
            sendLag.recordValue(Math.max(0, System.nanoTime() - due) / NANOS_PER_MICRO);
        }
        connections.send(request, new LoadConnections.Outcome() {
            @Override
            public void answered(int status) {
                long end = System.nanoTime();
                if (measured) {
                    latency.recordValue(Math.max(0, end - due) / NANOS_PER_MICRO);
                    completed.increment();
                    if (status >= 200 && status < 300) {
                        ok.increment();
                    } else {
                        countError("http_" + status);
                    }
                    lastMeasuredResponse.accumulateAndGet(end, Math::max);
                }
                done.run();
            }

            @Override
            public void failed(String kind) {
                countMeasured(measured, kind);
                done.run();
            }
        });
    }

    // the cause chain says which failure it was
    static String failureKind(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
                return "connect_error";
            }
            if (t instanceof PrematureChannelClosureException || t instanceof ClosedChannelException) {
                // the server closed the (kept-alive) connection before the whole response came
                return "connection_closed";
            }
            if (t instanceof SocketTimeoutException) {
                return t.getMessage() != null && t.getMessage().toLowerCase(Locale.ROOT).contains("connect")
                        ? "connect_error" : "timeout";
            }
        }
        if (failure instanceof IOException || failure.getCause() instanceof IOException) {
            return "io_error";
        }
        // unexpected: name the exception so the result file says what to look for
        return "other_error_" + failure.getClass().getSimpleName();
    }

    private void countMeasured(boolean measured, String kind) {
        if (measured) {
            countError(kind);
        }
    }

    private void countError(String kind) {
        errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    /** Waits for the requests in flight; returns how many never finished. */
    private long drain() throws InterruptedException {
        return loop.awaitIdle(settings.timeout().plusSeconds(1));
    }

    private BenchResult result(long measureStart, long unfinished) {
        Map<String, Long> errorCounts = new TreeMap<>();
        errors.forEach((kind, count) -> errorCounts.put(kind, count.sum()));
        long skipped = dropped.sum();
        long scheduled = settings.measuredRequests();
        long lastResponse = lastMeasuredResponse.get();
        double elapsed = Math.max(settings.duration().toNanos(),
                lastResponse == Long.MIN_VALUE ? 0 : lastResponse - measureStart) / 1e9;
        long done = completed.sum();
        long good = ok.sum();
        return new BenchResult(scheduled, scheduled - skipped, done, good, skipped, unfinished, errorCounts,
                round(elapsed, 3), round(done / elapsed, 1), round(good / elapsed, 1),
                LatencySummary.of(latency), LatencySummary.of(sendLag), encode(latency));
    }

    private static String encode(ConcurrentHistogram histogram) {
        ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        return Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length));
    }

    private static double round(double value, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }
}

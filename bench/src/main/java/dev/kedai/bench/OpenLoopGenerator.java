package dev.kedai.bench;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.helidon.webclient.api.WebClient;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.async.methods.SimpleRequestProducer;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.Message;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.nio.entity.DiscardingEntityConsumer;
import org.apache.hc.core5.http.nio.support.BasicResponseConsumer;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.util.Timeout;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * Sends requests at a constant arrival rate, whatever the server does.
 * <p>
 * The schedule is an {@link OpenLoop}: slot {@code i} is due at {@code origin + i / rate} and
 * each due slot is sent at once on an asynchronous client, whose callback records the latency
 * from the slot's <em>due</em> time. A server that stalls therefore shows the whole queue it built
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
     * The client the load goes out on: Apache HttpClient 5 async on one I/O thread, HTTP/1.1
     * keep-alive, one pooled connection per request in flight at most, nothing added to a request
     * (no redirects, cookies or retries: a failure is counted, not hidden), the answer's body read
     * and dropped. Asynchronous because the generator shares the cores with what it
     * measures: the classic client on a virtual thread per request cost ≈ 70 µs of CPU per request
     * (docs/benchmarks.md). Not Helidon 4.1.7's WebClient: it formats a hex dump of every response
     * buffer it reads for a TRACE line that is never written.
     */
    static CloseableHttpAsyncClient loadClient(BenchSettings settings) {
        Timeout timeout = Timeout.of(settings.timeout());
        PoolingAsyncClientConnectionManager pool = PoolingAsyncClientConnectionManagerBuilder.create()
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(timeout)
                        .setSocketTimeout(timeout)
                        .build())
                .setPoolConcurrencyPolicy(PoolConcurrencyPolicy.LAX)
                .setMaxConnPerRoute(settings.concurrency())
                .setMaxConnTotal(settings.concurrency())
                .build();
        CloseableHttpAsyncClient client = HttpAsyncClients.custom()
                .setConnectionManager(pool)
                .setIOReactorConfig(IOReactorConfig.custom().setIoThreadCount(1).setSoTimeout(timeout).build())
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setResponseTimeout(timeout)
                        .setConnectionRequestTimeout(timeout)
                        .setRedirectsEnabled(false)
                        .setExpectContinueEnabled(false)
                        .setProtocolUpgradeEnabled(false)
                        .build())
                .disableAutomaticRetries()
                .disableRedirectHandling()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableConnectionState()
                .build();
        client.start();
        return client;
    }

    /**
     * Runs set-up, warm-up and the measured phase of {@code scenario}, then waits (at most the
     * request timeout plus a second) for the requests still in flight. Use one generator per run.
     */
    public BenchResult run(Scenario scenario) throws Exception {
        WebClient setupClient = newClient(settings);
        CloseableHttpAsyncClient client = loadClient(settings);
        try {
            scenario.setup(new ScenarioContext(setupClient, settings.target(), settings.timeout()));
            long measureStart = schedule(scenario, client);
            return result(measureStart, drain());
        } finally {
            setupClient.closeResource();
            // requests still stuck are already counted as unfinished
            client.close(CloseMode.IMMEDIATE);
        }
    }

    /** Walks the schedule; returns the due time of the first measured slot. */
    private long schedule(Scenario scenario, CloseableHttpAsyncClient client) {
        long warmupSlots = settings.warmupRequests();
        long totalSlots = warmupSlots + settings.measuredRequests();
        long origin = loop.runAsync(totalSlots, (slot, due, done) -> {
            try {
                send(client, scenario.nextRequest(slot), due, slot >= warmupSlots, done);
            } catch (RuntimeException e) {
                done.run();
                throw e;
            }
        }, slot -> {
            if (slot >= warmupSlots) {
                dropped.increment();
            }
        }, () -> false);
        return origin + (long) (warmupSlots * 1e9 / settings.rate());
    }

    private void send(CloseableHttpAsyncClient client, BenchRequest request, long due, boolean measured, Runnable done) {
        if (measured) {
            sendLag.recordValue(Math.max(0, System.nanoTime() - due) / NANOS_PER_MICRO);
        }
        // the path is a path (BenchRequest checks it), so the request cannot leave the target
        SimpleRequestBuilder call = SimpleRequestBuilder.create(request.method())
                .setUri(settings.target().resolve(request.path()));
        request.headers().forEach(call::addHeader);
        if (request.body() != null) {
            call.setBody(request.body(), null);
        }
        client.execute(SimpleRequestProducer.create(call.build()),
                       new BasicResponseConsumer<>(new DiscardingEntityConsumer<Void>()), new FutureCallback<>() {
                    @Override
                    public void completed(Message<HttpResponse, Void> answer) {
                        long end = System.nanoTime();
                        if (measured) {
                            latency.recordValue(Math.max(0, end - due) / NANOS_PER_MICRO);
                            completed.increment();
                            int status = answer.getHead().getCode();
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
                    public void failed(Exception failure) {
                        countMeasured(measured, failureKind(failure));
                        done.run();
                    }

                    @Override
                    public void cancelled() {
                        countMeasured(measured, "cancelled");
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
            if (t instanceof NoHttpResponseException || t instanceof ConnectionClosedException) {
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

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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.helidon.webclient.api.WebClient;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.apache.hc.core5.util.Timeout;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * Sends requests at a constant arrival rate, whatever the server does.
 * <p>
 * The schedule is an {@link OpenLoop}: slot {@code i} is due at {@code origin + i / rate} and
 * each due slot is sent from a new virtual thread, which records the latency from the slot's
 * <em>due</em> time. A server that stalls therefore shows the whole queue it built up, not just
 * the one slow request a closed-loop client would see (coordinated omission). A slot that finds
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
     * The client the load goes out on: Apache HttpClient 5 classic on virtual threads, HTTP/1.1
     * keep-alive, one pooled connection per request in flight at most, nothing added to a request
     * (no redirects, decompression, cookies, user agent or retries: a failure is counted, not
     * hidden). Not Helidon 4.1.7's WebClient: it formats a hex dump of every response buffer it
     * reads for a TRACE line that is never written (docs/benchmarks.md), so on a 7 KB catalog page
     * the generator, which shares the two cores with the server, spent more CPU than the server.
     */
    static CloseableHttpClient loadClient(BenchSettings settings) {
        Timeout timeout = Timeout.of(settings.timeout());
        PoolingHttpClientConnectionManager pool = PoolingHttpClientConnectionManagerBuilder.create()
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(timeout)
                        .setSocketTimeout(timeout)
                        .build())
                .setPoolConcurrencyPolicy(PoolConcurrencyPolicy.LAX)
                .setMaxConnPerRoute(settings.concurrency())
                .setMaxConnTotal(settings.concurrency())
                .build();
        return HttpClients.custom()
                .setConnectionManager(pool)
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setResponseTimeout(timeout)
                        .setConnectionRequestTimeout(timeout)
                        .setRedirectsEnabled(false)
                        .setExpectContinueEnabled(false)
                        .setProtocolUpgradeEnabled(false)
                        .build())
                .disableAutomaticRetries()
                .disableRedirectHandling()
                .disableContentCompression()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableConnectionState()
                .disableDefaultUserAgent()
                .build();
    }

    /**
     * Runs set-up, warm-up and the measured phase of {@code scenario}, then waits (at most the
     * request timeout plus a second) for the requests still in flight. Use one generator per run.
     */
    public BenchResult run(Scenario scenario) throws Exception {
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        WebClient setupClient = newClient(settings);
        CloseableHttpClient client = loadClient(settings);
        long unfinished = 0;
        try {
            scenario.setup(new ScenarioContext(setupClient, settings.target(), settings.timeout()));
            long measureStart = schedule(scenario, client, executor);
            unfinished = drain();
            return result(measureStart, unfinished);
        } finally {
            setupClient.closeResource();
            client.close(CloseMode.IMMEDIATE);
            if (unfinished > 0) {
                // close() would wait for the stuck requests; they are already counted as unfinished
                executor.shutdownNow();
            } else {
                executor.close();
            }
        }
    }

    /** Walks the schedule; returns the due time of the first measured slot. */
    private long schedule(Scenario scenario, CloseableHttpClient client, ExecutorService executor) {
        long warmupSlots = settings.warmupRequests();
        long totalSlots = warmupSlots + settings.measuredRequests();
        long origin = loop.run(totalSlots, executor, (slot, due) -> {
            BenchRequest request = scenario.nextRequest(slot);
            boolean measured = slot >= warmupSlots;
            return () -> send(client, request, due, measured);
        }, slot -> {
            if (slot >= warmupSlots) {
                dropped.increment();
            }
        }, () -> false);
        return origin + (long) (warmupSlots * 1e9 / settings.rate());
    }

    private void send(CloseableHttpClient client, BenchRequest request, long due, boolean measured) {
        try {
            if (measured) {
                sendLag.recordValue(Math.max(0, System.nanoTime() - due) / NANOS_PER_MICRO);
            }
            int status = exchange(client, request);
            long end = System.nanoTime();
            if (!measured) {
                return;
            }
            latency.recordValue(Math.max(0, end - due) / NANOS_PER_MICRO);
            completed.increment();
            if (status >= 200 && status < 300) {
                ok.increment();
            } else {
                countError("http_" + status);
            }
            lastMeasuredResponse.accumulateAndGet(end, Math::max);
        } catch (IOException | RuntimeException e) {
            countMeasured(measured, failureKind(e));
        }
    }

    /** Sends the request, reads the whole response (so the connection can be reused) and returns its status. */
    private int exchange(CloseableHttpClient client, BenchRequest request) throws IOException {
        // the path is a path (BenchRequest checks it), so the request cannot leave the target
        ClassicRequestBuilder call = ClassicRequestBuilder.create(request.method())
                .setUri(settings.target().resolve(request.path()));
        request.headers().forEach(call::addHeader);
        if (request.body() != null) {
            call.setEntity(new ByteArrayEntity(request.body(), null));
        }
        return client.execute(call.build(), response -> {
            EntityUtils.consume(response.getEntity());
            return response.getCode();
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

package dev.kedai.infra.otlp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A small OTLP/HTTP trace receiver, so the devstack and the tests see traces without a
 * Collector or a tracing backend: {@code POST /v1/traces} (protobuf, optionally gzip) keeps the
 * spans in a {@link TraceStore}; {@code GET /traces/<trace id or request id>} answers the
 * {@link Waterfall} as text, {@code GET /traces?slowest=N} the slowest recent traces
 * (what {@code ./kedai trace} prints).
 */
public final class OtlpReceiver implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final TraceStore store;

    private OtlpReceiver(int port, TraceStore store) throws IOException {
        this.store = store;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        server.createContext("/v1/traces", this::receive);
        server.createContext("/traces", this::show);
        server.setExecutor(executor);
    }

    /** Starts on {@code port} of loopback (0: a free one), keeping the last {@code capacity} traces. */
    public static OtlpReceiver start(int port, int capacity) {
        try {
            OtlpReceiver r = new OtlpReceiver(port, new TraceStore(capacity));
            r.server.start();
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the OTLP receiver on port " + port + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Where exporters send traces: {@code http://127.0.0.1:<port>/v1/traces}. */
    public String endpoint() {
        return "http://127.0.0.1:" + port() + "/v1/traces";
    }

    public TraceStore store() {
        return store;
    }

    private void receive(HttpExchange ex) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("POST")) {
                answer(ex, 405, "text/plain", "POST only\n");
                return;
            }
            byte[] body;
            try (InputStream in = "gzip".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Content-Encoding"))
                    ? new GZIPInputStream(ex.getRequestBody()) : ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            List<ReceivedSpan> spans;
            try {
                spans = OtlpTraceDecoder.decode(body);
            } catch (IOException | RuntimeException e) {
                answer(ex, 400, "text/plain", "not an OTLP protobuf trace export: " + e.getMessage() + "\n");
                return;
            }
            store.add(spans);
            // an empty ExportTraceServiceResponse: everything accepted
            ex.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            ex.sendResponseHeaders(200, -1);
        }
    }

    private void show(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String query = ex.getRequestURI().getRawQuery();
            if (path.equals("/traces") || path.equals("/traces/")) {
                int n = 10;
                if (query != null && query.startsWith("slowest=")) {
                    try {
                        n = Math.max(1, Integer.parseInt(query.substring("slowest=".length())));
                    } catch (NumberFormatException e) {
                        answer(ex, 400, "text/plain", "slowest must be a number\n");
                        return;
                    }
                }
                answer(ex, 200, "text/plain", Waterfall.slowest(store.slowest(n)));
                return;
            }
            String id = URLDecoder.decode(path.substring("/traces/".length()), StandardCharsets.UTF_8);
            var spans = store.trace(id);
            if (spans.isEmpty()) {
                answer(ex, 404, "text/plain", "no trace " + id + " among the last traces received"
                        + " (is tracing sampled? traces are kept in memory only)\n");
                return;
            }
            answer(ex, 200, "text/plain", Waterfall.render(spans.get()));
        }
    }

    private static void answer(HttpExchange ex, int status, String type, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.close();
    }
}

package dev.kedai.devstack.edge;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * One JSON line per request: time, request id, client, method, path, status, route, upstream,
 * latency and upstream latency (ms). Written by one background thread so request threads never
 * wait for the disk; lines are flushed as soon as the queue is empty. Past {@link #DEFAULT_MAX_BYTES}
 * the file is moved to {@code <file>.1} (replacing the older one) and a new one begun, so a load
 * test cannot fill the disk (it grew 120 MB in minutes, issue 16).
 */
public final class AccessLog implements AutoCloseable {

    /** One request, as logged. {@code upstream} is "-" when the edge answered itself. */
    public record Entry(Instant time, String requestId, String client, String method, String path, int status,
                        String route, String upstream, double latencyMs, double upstreamLatencyMs) {

        // built by hand, not String.format: this ran for every request through the edge (issue 16)
        String json() {
            JsonStringEncoder enc = JsonStringEncoder.getInstance();
            StringBuilder b = new StringBuilder(256).append("{\"time\":\"").append(time)
                    .append("\",\"request_id\":\"");
            enc.quoteAsString(String.valueOf(requestId), b);
            b.append("\",\"client\":\"").append(client).append("\",\"method\":\"").append(method)
                    .append("\",\"path\":\"");
            enc.quoteAsString(path, b);
            b.append("\",\"status\":").append(status).append(",\"route\":\"").append(route)
                    .append("\",\"upstream\":\"").append(upstream).append("\",\"latency_ms\":");
            millis(b, latencyMs).append(",\"upstream_latency_ms\":");
            return millis(b, upstreamLatencyMs).append('}').toString();
        }

        /** {@code ms} with three decimals, as {@code %.3f} writes it. */
        private static StringBuilder millis(StringBuilder b, double ms) {
            long micros = Math.round(ms * 1000);
            long fraction = Math.abs(micros % 1000);
            if (micros < 0) {
                b.append('-');
            }
            b.append(Math.abs(micros / 1000)).append('.');
            if (fraction < 100) {
                b.append(fraction < 10 ? "00" : "0");
            }
            return b.append(fraction);
        }
    }

    /** Size at which the log rolls over to {@code <file>.1}. */
    public static final long DEFAULT_MAX_BYTES = 20L * 1024 * 1024;
    private static final Entry STOP = new Entry(Instant.EPOCH, "", "", "", "", 0, "", "", 0, 0);

    private final Path file;
    private final long maxBytes;
    // entries, not lines: the writer thread formats them, off the request threads
    private final LinkedBlockingQueue<Entry> lines = new LinkedBlockingQueue<>(100_000);
    private final Thread writer;

    public AccessLog(Path file) {
        this(file, DEFAULT_MAX_BYTES);
    }

    AccessLog(Path file, long maxBytes) {
        this.file = file;
        this.maxBytes = maxBytes;
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + file.getParent(), e);
        }
        this.writer = Thread.ofPlatform().daemon().name("edge-access-log").start(this::writeLoop);
    }

    public Path file() {
        return file;
    }

    /** Queues the line; under a flood that outruns the disk, lines are dropped, requests never wait. */
    public void log(Entry entry) {
        lines.offer(entry);
    }

    private void writeLoop() {
        BufferedWriter out = null;
        try {
            out = open();
            long written = Files.size(file);
            List<Entry> batch = new ArrayList<>();
            while (true) {
                Entry next = lines.poll(1, TimeUnit.SECONDS);
                if (next == null) {
                    continue;
                }
                batch.add(next);
                lines.drainTo(batch, 4096);
                boolean stop = false;
                for (Entry entry : batch) {
                    if (entry == STOP) {
                        stop = true;
                        continue;
                    }
                    String l = entry.json();
                    if (written > 0 && written + l.length() + 1 > maxBytes) {
                        out.close();
                        Files.move(file, file.resolveSibling(file.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
                        out = open();
                        written = 0;
                    }
                    out.write(l);
                    out.write('\n');
                    written += l.length() + 1;    // JSON-quoted ASCII apart from a rare path character: near enough
                }
                batch.clear();
                out.flush();
                if (stop) {
                    return;
                }
            }
        } catch (IOException e) {
            System.getLogger(AccessLog.class.getName()).log(System.Logger.Level.WARNING, "access log failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (out != null) {
                try {
                    out.close();
                } catch (IOException e) {
                    // the process is stopping the log: nothing left to save
                }
            }
        }
    }

    private BufferedWriter open() throws IOException {
        return Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Writes what is queued, then stops the writer. */
    @Override
    public void close() {
        try {
            lines.put(STOP);
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

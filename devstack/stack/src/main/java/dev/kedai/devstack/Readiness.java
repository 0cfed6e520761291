package dev.kedai.devstack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/** Waits until services answer 200 on their admin {@code /observe/health/ready}. */
public final class Readiness {
    public static final String READY_PATH = "/observe/health/ready";
    private static final Duration POLL_INTERVAL = Duration.ofMillis(250);

    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(1))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    public static URI readyUri(int adminPort) {
        return URI.create("http://127.0.0.1:" + adminPort + READY_PATH);
    }

    /** One probe: true on 200, false on any other answer or no answer. */
    public boolean isReady(int adminPort) {
        HttpRequest request = HttpRequest.newBuilder(readyUri(adminPort)).timeout(Duration.ofSeconds(2)).GET().build();
        try {
            return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Polls until every process is ready. Fails fast, with the tail of its log, when one exits;
     * fails with the tail of the first one not ready when {@code timeout} passes.
     */
    public void await(List<ServiceProcess> processes, Duration timeout, Progress progress) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ServiceProcess> waiting = new ArrayList<>(processes);
        while (!waiting.isEmpty()) {
            for (var it = waiting.iterator(); it.hasNext(); ) {
                ServiceProcess process = it.next();
                if (!process.isAlive()) {
                    throw new StackException(process.launch().name() + " exited with code " + process.exitCode()
                            + " before it was ready (log: " + process.launch().logFile() + ")", 1,
                            tailText(process));
                }
                if (isReady(process.launch().adminPort())) {
                    progress.step(process.launch().name() + " ready");
                    it.remove();
                }
            }
            if (waiting.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                ServiceProcess late = waiting.getFirst();
                throw new StackException(late.launch().name() + " not ready after " + timeout.toSeconds() + " s ("
                        + readyUri(late.launch().adminPort()) + " did not answer 200; log: "
                        + late.launch().logFile() + ")", 1, tailText(late));
            }
            LockSupport.parkNanos(POLL_INTERVAL.toNanos());
            if (Thread.currentThread().isInterrupted()) {
                throw new StackException("interrupted while waiting for the services", 130);
            }
        }
    }

    static String tailText(ServiceProcess process) {
        List<String> lines = process.logTail();
        if (lines.isEmpty()) {
            return "  (" + process.launch().name() + " wrote nothing)";
        }
        StringBuilder text = new StringBuilder("  last lines of " + process.launch().name() + "'s output:\n");
        lines.forEach(line -> text.append("  | ").append(line).append('\n'));
        return text.toString().stripTrailing();
    }
}

package dev.kedai.devstack;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * {@code ./kedai trace <trace id | request id>} prints one trace as a waterfall;
 * {@code ./kedai trace --slowest [N]} lists the slowest recent ones. Both ask the trace receiver
 * of the running devstack ({@code ./kedai up}); usage in {@code trace-usage.txt}.
 */
final class TraceCommand {

    private final List<String> args;
    private final PrintStream out;
    private final PrintStream err;

    TraceCommand(List<String> args, PrintStream out, PrintStream err) {
        this.args = args;
        this.out = out;
        this.err = err;
    }

    int run() {
        int port = StackConfig.DEFAULT_TRACE_PORT;
        String path = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--port-offset" -> port = StackConfig.DEFAULT_TRACE_PORT + number(args, ++i, a);
                case "--trace-port" -> port = number(args, ++i, a);
                case "--slowest" -> {
                    int n = 10;
                    if (i + 1 < args.size() && args.get(i + 1).matches("\\d+")) {
                        n = number(args, ++i, a);
                    }
                    path = "/traces?slowest=" + n;
                }
                default -> {
                    if (a.startsWith("-") || path != null) {
                        throw new UsageException("trace wants one trace id or request id, or --slowest [N]; got " + a);
                    }
                    path = "/traces/" + URLEncoder.encode(a, StandardCharsets.UTF_8);
                }
            }
        }
        if (path == null) {
            throw new UsageException("trace wants a trace id or request id, or --slowest [N]");
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try {
            HttpResponse<String> res = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            (res.statusCode() == 200 ? out : err).print(res.body());
            return res.statusCode() == 200 ? 0 : 1;
        } catch (ConnectException e) {
            err.println("kedai trace: no trace receiver on port " + port + ": is ./kedai up running (with the same"
                    + " --port-offset, and not --trace-sampling off)?");
            return 1;
        } catch (IOException e) {
            err.println("kedai trace: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    private static int number(List<String> args, int i, String flag) {
        if (i >= args.size() || !args.get(i).matches("\\d+")) {
            throw new UsageException(flag + " wants a number");
        }
        return Integer.parseInt(args.get(i));
    }
}

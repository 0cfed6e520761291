package dev.kedai.bench.ceiling;

import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;

/**
 * The framework's ceiling: a bare Helidon SE server answering {@code GET /hello} with a small
 * JSON object. Nothing Kedai adds (no filters, metrics, request ids, Redis); the bench starts it
 * with the services' JVM flags, so a Kedai scenario's throughput divided by this one's says how
 * much of the framework's capacity the service's own work leaves.
 *
 * <p>{@code java -cp kedai-bench.jar dev.kedai.bench.ceiling.CeilingServer PORT}; prints
 * {@code ready <port>} when it listens.
 */
public final class CeilingServer {

    private static final ObjectMapper JSON = new ObjectMapper();

    private CeilingServer() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(port)
                .featuresDiscoverServices(false)
                .routing(r -> r.get("/hello", (req, res) -> {
                    res.header(HeaderNames.CONTENT_TYPE, "application/json");
                    res.send(JSON.writeValueAsBytes(Map.of("message", "Hello World!")));
                }))
                .build()
                .start();
        System.out.println("ready " + server.port());
        System.out.flush();
    }
}

package dev.kedai.devstack.edge;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * The dev edge as a process of its own ({@link #arguments(EdgeSettings)} gives its command-line
 * arguments): the fault-injection suite kills and restarts it while the services run on. Stops
 * on SIGTERM. The launcher ({@code up}) keeps its edge in-process.
 */
public final class EdgeMain {
    // between an instance's URI and its readiness probe in a --service argument
    private static final String READY = ";ready=";

    private EdgeMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        EdgeSettings settings;
        try {
            settings = parse(List.of(args));
        } catch (IllegalArgumentException e) {
            System.err.println("kedai edge: " + e.getMessage());
            System.err.println("usage: EdgeMain --port P --manifests DIR --jwks URI --access-log FILE"
                    + " --rate-limits on|off --service NAME=URI[;ready=URI] ... (repeated for each instance)");
            System.exit(2);
            return;
        }
        DevEdge edge = DevEdge.start(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            edge.close();
            stopped.countDown();
        }, "kedai-edge-stop"));
        System.out.println("[kedai edge] listening on " + edge.uri() + " with " + edge.router().routes().size() + " routes");
        stopped.await();
    }

    /** The arguments that make {@link #main} run an edge with {@code settings}. */
    public static List<String> arguments(EdgeSettings settings) {
        List<String> args = new ArrayList<>(List.of(
                "--host", settings.host(),
                "--port", Integer.toString(settings.port()),
                "--manifests", settings.manifests().toAbsolutePath().toString(),
                "--jwks", settings.jwksUri().toString(),
                "--access-log", settings.accessLog().toAbsolutePath().toString(),
                "--rate-limits", settings.rateLimits() ? "on" : "off"));
        settings.upstreams().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> e.getValue().forEach(target -> args.addAll(List.of("--service", e.getKey() + "="
                        + target.uri() + target.ready().map(ready -> READY + ready).orElse("")))));
        return args;
    }

    static EdgeSettings parse(List<String> args) {
        Map<String, String> values = new HashMap<>();
        Map<String, List<UpstreamTarget>> services = new HashMap<>();
        for (int i = 0; i < args.size(); i += 2) {
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException(args.get(i) + " needs a value");
            }
            String name = args.get(i);
            String value = args.get(i + 1);
            switch (name) {
                case "--host", "--port", "--manifests", "--jwks", "--access-log", "--rate-limits" -> values.put(name, value);
                case "--service" -> {
                    int eq = value.indexOf('=');
                    if (eq < 1) {
                        throw new IllegalArgumentException("--service wants NAME=URI, not " + value);
                    }
                    String[] target = value.substring(eq + 1).split(READY, 2);
                    services.computeIfAbsent(value.substring(0, eq), s -> new ArrayList<>()).add(new UpstreamTarget(
                            URI.create(target[0]), target.length > 1 ? Optional.of(URI.create(target[1])) : Optional.empty()));
                }
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        for (String required : List.of("--port", "--manifests", "--jwks", "--access-log")) {
            if (!values.containsKey(required)) {
                throw new IllegalArgumentException(required + " is missing");
            }
        }
        return new EdgeSettings(values.getOrDefault("--host", "127.0.0.1"), Integer.parseInt(values.get("--port")), Path.of(values.get("--manifests")), services,
                URI.create(values.get("--jwks")), Path.of(values.get("--access-log")),
                !"off".equals(values.getOrDefault("--rate-limits", "on")), EdgeTrace.OFF);
    }
}

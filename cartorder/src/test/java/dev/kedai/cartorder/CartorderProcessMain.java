package dev.kedai.cartorder;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.kedai.platform.server.KedaiServer;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

/**
 * cartorder in a JVM of its own, for {@link CartorderProcess}: the service's {@link Main} with the
 * sandbox provider on a ledger file and the tests' seams ({@link GatewayHooks},
 * {@link Checkout.AfterReserve}). At each crash point named on the command line the first call
 * to reach it prints {@code PAUSED <point> <id>} and waits for a line on stdin — the test resumes
 * it, or kills the process with SIGKILL right there.
 *
 * <p>Arguments: the config file (properties, over {@code application.yaml}) and the crash points
 * ({@code after-reserve}, {@code after-charge}, {@code before-refund}; comma-separated, may be empty).
 */
public final class CartorderProcessMain {

    private static final Set<String> PAUSED = ConcurrentHashMap.newKeySet();

    private CartorderProcessMain() {
    }

    public static void main(String[] args) throws IOException {
        Properties properties = new Properties();
        try (var in = Files.newBufferedReader(Path.of(args[0]), StandardCharsets.UTF_8)) {
            properties.load(in);
        }
        Map<String, String> map = new HashMap<>();
        properties.stringPropertyNames().forEach(k -> map.put(k, properties.getProperty(k)));
        Config config = Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .addSource(ConfigSources.create(map))
                .addSource(ConfigSources.classpath("application.yaml"))
                .build();
        Set<String> points = args.length > 1 && !args[1].isBlank() ? Set.of(args[1].split(",")) : Set.of();
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

        GatewayHooks hooks = new GatewayHooks(new SandboxPaymentGateway(Path.of(map.get("payment.sandbox.ledger"))));
        if (points.contains("after-charge")) {
            hooks.afterCharge = attemptId -> pause("after-charge", attemptId, stdin);
        }
        if (points.contains("before-refund")) {
            hooks.beforeRefund = attemptId -> pause("before-refund", attemptId, stdin);
        }
        Checkout.AfterReserve afterReserve = orderId -> {
            if (points.contains("after-reserve")) {
                pause("after-reserve", orderId, stdin);
            }
        };
        KedaiServer server = Main.start(config, hooks, afterReserve);
        System.out.println("READY " + server.port() + " " + server.grpcPort().orElseThrow());
        System.out.flush();
    }

    // only the first call at each point waits: the others (a retry, the reconciler) go on
    private static void pause(String point, String id, BufferedReader stdin) {
        if (!PAUSED.add(point)) {
            return;
        }
        synchronized (CartorderProcessMain.class) {
            System.out.println("PAUSED " + point + " " + id);
            System.out.flush();
            try {
                stdin.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}

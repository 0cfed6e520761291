package dev.kedai.infra;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The Kafka broker as a {@link ServerProcess}: a JVM of its own running {@link KafkaMain} on this
 * JVM's class path, so the broker can be stopped, killed or paused alone (FACTS: ready in about
 * 2 s with a small heap, the serial GC and C1 only). Its log directory survives restarts.
 */
final class EmbeddedKafka implements EmbeddedServer {

    private final ServerProcess process;

    private EmbeddedKafka(ServerProcess process) {
        this.process = process;
    }

    static EmbeddedKafka start(Path dir, int port, int controllerPort) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx256m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError"));
        if (Runtime.version().feature() >= 23) {
            command.addAll(List.of("--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"));
        }
        if (Boolean.getBoolean("kedai.infra.verbose")) {
            command.add("-Dkedai.infra.verbose=true");
        }
        command.addAll(List.of("-cp", classPath(), KafkaMain.class.getName(),
                "--dir", dir.toAbsolutePath().toString(),
                "--port", Integer.toString(port),
                "--controller-port", Integer.toString(controllerPort)));
        Path ready = dir.resolve(KafkaMain.READY_FILE);
        ServerProcess process = new ServerProcess("Kafka", port, command, Map.of(), dir, dir.resolve("kafka.log"),
                () -> Files.exists(ready) && accepts(port), Duration.ofSeconds(120), () -> deleteQuietly(ready));
        return new EmbeddedKafka(process.start());
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** This JVM's class path with absolute entries (the broker runs in another working directory). */
    private static String classPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.isBlank())
                .map(entry -> Path.of(entry).toAbsolutePath().toString())
                .collect(Collectors.joining(File.pathSeparator));
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + file, e);
        }
    }

    @Override
    public ServerProcess process() {
        return process;
    }

    String bootstrap() {
        return "127.0.0.1:" + process.port();
    }

}

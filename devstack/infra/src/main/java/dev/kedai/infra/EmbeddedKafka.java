package dev.kedai.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
        List<String> options = new ArrayList<>(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-XX:+ExitOnOutOfMemoryError"));
        options.addAll(ChildJvm.SMALL_HEAP);
        options.addAll(ChildJvm.RETURN_FREED_NATIVE_MEMORY);
        if (Boolean.getBoolean("kedai.infra.verbose")) {
            options.add("-Dkedai.infra.verbose=true");
        }
        List<String> command = ChildJvm.command(options, KafkaMain.class, List.of(
                "--dir", dir.toAbsolutePath().toString(),
                "--port", Integer.toString(port),
                "--controller-port", Integer.toString(controllerPort)));
        Path ready = dir.resolve(KafkaMain.READY_FILE);
        ServerProcess process = new ServerProcess("Kafka", port, command, Map.of(), dir, dir.resolve("kafka.log"),
                () -> Files.exists(ready) && ServerProcess.accepts(port), Duration.ofSeconds(120), () -> deleteQuietly(ready));
        return new EmbeddedKafka(process.start());
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

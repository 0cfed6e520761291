package dev.kedai.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The Kafka broker's own JVM: {@code KafkaMain --dir D --port P --controller-port C}. Writes
 * {@code D/ready} once the node serves and stops cleanly on SIGTERM. {@link EmbeddedKafka} starts
 * it, so the broker can be stopped, killed or paused without touching the JVM that started it.
 */
public final class KafkaMain {

    static final String READY_FILE = "ready";

    private KafkaMain() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Path dir = null;
        int port = -1;
        int controllerPort = -1;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[i + 1]);
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--controller-port" -> controllerPort = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (dir == null || port < 0 || controllerPort < 0) {
            System.err.println("usage: KafkaMain --dir D --port P --controller-port C");
            System.exit(2);
        }
        QuietLogs.apply();
        KafkaNode node = KafkaNode.start(dir, port, controllerPort);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "kedai-kafka-stop"));
        Files.writeString(dir.resolve(READY_FILE), Long.toString(ProcessHandle.current().pid()));
        System.out.println("[kedai kafka] ready on 127.0.0.1:" + port);
        stopped.await();
    }
}

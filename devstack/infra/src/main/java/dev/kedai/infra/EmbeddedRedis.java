package dev.kedai.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import redis.embedded.core.ExecutableProvider;

/**
 * Redis 6.2 (the binary packaged by embedded-redis) as a {@link ServerProcess} on 127.0.0.1.
 * It keeps an append-only file in its directory (fsync every second), so a restart — even after
 * SIGKILL — finds the deny list and counters it had, as a real deployment's Redis would.
 */
final class EmbeddedRedis implements EmbeddedServer {

    private final ServerProcess process;

    private EmbeddedRedis(ServerProcess process) {
        this.process = process;
    }

    static EmbeddedRedis start(Path dir, int port) {
        try {
            Path data = Files.createDirectories(dir.resolve("data"));
            // a copy per directory (a binary replaced while another JVM runs it fails with ETXTBSY),
            // written on the spawner thread (a fork during the write would hold it open: ETXTBSY too)
            Path bin = Files.createDirectories(dir.resolve("bin"));
            Path binary = ProcessSpawner.onSpawnerThread(() -> ExecutableProvider.newJarResourceProvider(bin.toFile())
                    .get().toPath());
            List<String> command = List.of(binary.toString(),
                    "--port", Integer.toString(port),
                    "--bind", "127.0.0.1",
                    "--dir", data.toAbsolutePath().toString(),
                    "--save", "",
                    "--appendonly", "yes",
                    "--appendfsync", "everysec",
                    "--daemonize", "no");
            ServerProcess process = new ServerProcess("Redis", port, command, Map.of(), dir, dir.resolve("redis.log"),
                    () -> answersPing(port), Duration.ofSeconds(60), () -> { });
            return new EmbeddedRedis(process.start());
        } catch (IOException e) {
            throw new UncheckedIOException("Redis did not start on port " + port + ": " + e.getMessage(), e);
        }
    }

    /** PING in the Redis protocol: true once it answers +PONG (a loading server answers -LOADING). */
    static boolean answersPing(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            socket.setSoTimeout(1000);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] answer = new byte[5];
            int read = in.readNBytes(answer, 0, answer.length);
            return read == answer.length && "+PONG".equals(new String(answer, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public ServerProcess process() {
        return process;
    }

    String url() {
        return "redis://127.0.0.1:" + process.port();
    }

}

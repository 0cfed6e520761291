package dev.kedai.devstack;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Every heap {@code --service-heap} accepts gives options a JVM starts with (a small -Xms never above -Xmx). */
class JvmOptionsTest {

    @ParameterizedTest
    @ValueSource(strings = {"48m", "128m", "192m", "1g", "262144k", "201326592"})
    void aServiceJvmStartsWithEveryHeapTheLauncherAccepts(String heap) throws Exception {
        List<String> command = new ArrayList<>(List.of(JvmOptions.javaBinary().toString()));
        command.addAll(JvmOptions.forStackStart(heap));   // forService and the JIT thresholds
        command.add("-version");
        Process java = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(java.getInputStream().readAllBytes());
        assertThat(java.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(java.exitValue()).as(String.join(" ", command) + "\n" + output).isZero();
    }
}

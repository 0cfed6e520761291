package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every {@code --help} of {@code ./kedai} prints its text straight away: in a copy of the checkout
 * that has nothing built and whose {@code mvnw} only records that it was called, each help
 * command answers from the plain usage files and never starts a build (nor needs a JDK).
 */
class KedaiScriptHelpTest {
    private static final Path ROOT = StackConfig.findRepoRoot(Path.of("")).orElseThrow();
    private static final String STACK_USAGE = "devstack/stack/src/main/resources/dev/kedai/devstack/usage.txt";
    private static final String INFRA_USAGE = "devstack/infra/src/main/resources/dev/kedai/infra/usage.txt";
    private static final String FAULTS_USAGE = "devstack/faults/src/main/resources/dev/kedai/faults/usage.txt";
    private static final String DLT_USAGE = "platform/src/main/resources/dev/kedai/platform/events/dlt-usage.txt";
    private static final String TRACE_USAGE = "devstack/stack/src/main/resources/dev/kedai/devstack/trace-usage.txt";

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "help             | test [maven args]",
            "--help           | test [maven args]",
            "up --help        | --port-offset N",
            "up -h --no-build | --port-offset N",
            "down --help      | ./kedai down",
            "infra --help     | --state-file F",
            "faults --help    | --faults NAMES",
            "test --help      | test [maven args]",
            "dlt --help       | ./kedai dlt replay",
            "dlt              | ./kedai dlt list",
            "trace --help     | ./kedai trace --slowest [N]",
            "trace            | ./kedai trace --slowest [N]",
            "search --help    | ./kedai search reindex",
            "search           | ./kedai search reindex"})
    void helpPrintsWithoutBuilding(String command, String expected, @TempDir Path clone) throws Exception {
        copy("kedai", clone);
        copy(STACK_USAGE, clone);
        copy(INFRA_USAGE, clone);
        copy(FAULTS_USAGE, clone);
        copy(DLT_USAGE, clone);
        copy(TRACE_USAGE, clone);
        Path marker = clone.resolve("mvnw-was-run");
        Path mvnw = clone.resolve("mvnw");
        Files.writeString(mvnw, "#!/bin/sh\ntouch '" + marker + "'\nexit 1\n");
        Files.setPosixFilePermissions(mvnw, PosixFilePermissions.fromString("rwxr-xr-x"));

        List<String> argv = new ArrayList<>(List.of("bash", clone.resolve("kedai").toString()));
        argv.addAll(List.of(command.split(" ")));
        ProcessBuilder builder = new ProcessBuilder(argv).directory(clone.toFile()).redirectErrorStream(true);
        // no JDK in sight: help must not look for one
        builder.environment().remove("JAVA_HOME");
        builder.environment().put("PATH", "/usr/bin:/bin");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).startsWith("usage: ").contains(expected);
        assertThat(marker).as("help ran the build").doesNotExist();
        assertThat(clone.resolve("devstack/stack/target")).doesNotExist();
    }

    private static void copy(String relative, Path clone) throws IOException {
        Path target = clone.resolve(relative);
        Files.createDirectories(target.getParent());
        Files.copy(ROOT.resolve(relative), target);
    }
}

package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A taken port stops {@code up} with one line and exit code 2, before anything starts. */
class PortTakenTest {

    @TempDir
    Path root;

    @Test
    void takenServicePortIsOneLineAndNothingStarts() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Path dataDir = root.resolve("state");
            // the system tests' services (StackFixture) may be children of this JVM already
            java.util.Set<Long> before = ProcessHandle.current().children().map(ProcessHandle::pid)
                    .collect(java.util.stream.Collectors.toSet());

            Result result = run(withFreePorts("up", "--root", root.toString(), "--data-dir", dataDir.toString(),
                    "--stock-http-port", String.valueOf(port)));

            assertThat(result.exitCode()).isEqualTo(2);
            assertThat(result.err().lines()).containsExactly("port " + port + " (stock HTTP) is already in use;"
                    + " stop what holds it or choose another with --stock-http-port or --port-offset N");
            assertThat(result.out()).isEmpty();
            assertThat(dataDir).doesNotExist();
            assertThat(ProcessHandle.current().children().map(ProcessHandle::pid)).isSubsetOf(before);
        }
    }

    @Test
    void takenInfraPortNamesTheServerAndItsFlag() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();

            Result result = run(withFreePorts("up", "--root", root.toString(), "--mariadb-port", String.valueOf(port)));

            assertThat(result.exitCode()).isEqualTo(2);
            assertThat(result.err().lines()).singleElement().asString()
                    .startsWith("port " + port + " (embedded MariaDB) is already in use")
                    .contains("--mariadb-port");
            assertThat(Files.exists(root.resolve(".kedai"))).isFalse();
        }
    }

    @Test
    void samePortTwiceIsRefused() {
        Result result = run(withFreePorts("up", "--root", root.toString(), "--user-grpc-port", "47011",
                "--product-grpc-port", "47011"));

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err().lines()).containsExactly("port 47011 is wanted by both user gRPC and product gRPC;"
                + " change one with --user-grpc-port or --product-grpc-port");
    }

    @Test
    void downWithoutRunningStackSaysNotRunning() {
        Result result = run(new String[] {"down", "--root", root.toString()});

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).isEqualTo("Kedai devstack is not running\n");
    }

    @Test
    void unknownOptionIsAUsageError() {
        Result result = run(new String[] {"up", "--bogus", "1"});

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).isEqualTo("kedai-devstack: unknown option --bogus (see --help)\n");
    }

    /** The command with every port set to one free now; flags given after these win. */
    private static String[] withFreePorts(String... args) {
        List<String> all = new ArrayList<>(List.of(args[0]));
        all.addAll(FreePortArgs.all());
        all.addAll(List.of(args).subList(1, args.length));
        return all.toArray(String[]::new);
    }

    private static Result run(String[] args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private record Result(int exitCode, String out, String err) {
    }
}

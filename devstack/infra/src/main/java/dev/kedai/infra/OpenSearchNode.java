package dev.kedai.infra;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * One OpenSearch node as a process of its own: the {@code integ-test-zip} distribution from Maven
 * Central (a dependency of this module, so it arrives like every other artifact), unpacked into
 * {@code <dir>/opensearch-<version>}, with {@code analysis-common} (its jar, also from Maven Central)
 * added as a module for the language analyzers, a single-node configuration on 127.0.0.1 and the
 * given ports, a 256 MB heap, and its data and logs under {@code <dir>}.
 *
 * <p>OpenSearch refuses to run as root. When this JVM is root the node runs as the unprivileged
 * system user {@value #USER} (created with {@code useradd -r} if missing, started with
 * {@code runuser}), and {@code <dir>} is handed to that user.
 */
public final class OpenSearchNode implements AutoCloseable {

    static final String VERSION = "3.3.2";
    static final String USER = "kedai-search";
    private static final String ZIP = "opensearch-" + VERSION + ".zip";
    private static final String ANALYSIS = "analysis-common-" + VERSION + ".jar";
    // a start guard, not a speed check: on a shared, loaded machine a start has taken over 2 minutes
    private static final Duration READY = Duration.ofSeconds(300);

    private final Process process;
    private final int httpPort;
    private final int transportPort;
    private final Path home;

    private OpenSearchNode(Process process, int httpPort, int transportPort, Path home) {
        this.process = process;
        this.httpPort = httpPort;
        this.transportPort = transportPort;
        this.home = home;
    }

    /**
     * Unpacks, configures and starts a node, and waits until its cluster is at least yellow (one
     * node, no replicas: yellow is everything it can be).
     *
     * @param dir           its own directory (distribution, data, logs)
     * @param httpPort      the REST port (0: a free one)
     * @param transportPort the node-to-node port (0: a free one)
     */
    public static OpenSearchNode start(Path dir, int httpPort, int transportPort) throws IOException {
        int http = httpPort == 0 ? FreePorts.one() : Ports.requireFree(httpPort, "OpenSearch", "--search-port");
        int transport = transportPort == 0 ? FreePorts.one() : transportPort;
        Files.createDirectories(dir);
        Path home = dir.resolve("opensearch-" + VERSION);
        if (!Files.isDirectory(home.resolve("bin"))) {
            unzip(artifact(ZIP), dir);
        }
        Path analysis = Files.createDirectories(home.resolve("modules/analysis-common"));
        Files.copy(artifact(ANALYSIS), analysis.resolve(ANALYSIS), StandardCopyOption.REPLACE_EXISTING);
        // the jar on Maven Central has no descriptor (the zip module would): this is the one it would have
        Files.writeString(analysis.resolve("plugin-descriptor.properties"), """
                description=Adds analysis components (language analyzers among them)
                version=%s
                name=analysis-common
                classname=org.opensearch.analysis.common.CommonAnalysisModulePlugin
                java.version=21
                opensearch.version=%s
                custom.foldername=
                extended.plugins=
                has.native.controller=false
                """.formatted(VERSION, VERSION));
        Path data = Files.createDirectories(dir.resolve("data"));
        Path logs = Files.createDirectories(dir.resolve("logs"));
        Files.writeString(home.resolve("config/opensearch.yml"), """
                cluster.name: kedai-search
                node.name: kedai-search-1
                discovery.type: single-node
                network.host: 127.0.0.1
                http.port: %d
                transport.port: %d
                path.data: %s
                path.logs: %s
                # a laptop's disk is often fuller than OpenSearch's defaults allow for new shards
                cluster.routing.allocation.disk.threshold_enabled: false
                """.formatted(http, transport, data, logs));
        // the zip keeps no file modes
        try (Stream<Path> jdk = Files.list(home.resolve("bin"))) {
            jdk.forEach(p -> p.toFile().setExecutable(true, false));
        }

        List<String> command = new ArrayList<>();
        if (isRoot()) {
            ensureUser();
            run("chown", "-R", USER, dir.toString());
            openPath(dir);
            command.addAll(List.of("runuser", "-u", USER, "--"));
        }
        command.add(home.resolve("bin/opensearch").toString());
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("opensearch.out").toFile());
        builder.environment().put("OPENSEARCH_JAVA_OPTS", "-Xms256m -Xmx256m");
        builder.environment().put("OPENSEARCH_PATH_CONF", home.resolve("config").toString());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("OPENSEARCH_JAVA_HOME", System.getProperty("java.home"));
        Process process = ProcessSpawner.start(builder);
        OpenSearchNode node = new OpenSearchNode(process, http, transport, home);
        try {
            node.awaitReady();
        } catch (IOException | RuntimeException e) {
            node.close();
            throw e;
        }
        return node;
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + httpPort);
    }

    public int port() {
        return httpPort;
    }

    public int transportPort() {
        return transportPort;
    }

    /** The process (runuser's when run as root: stopping it stops the node). */
    public long pid() {
        return process.pid();
    }

    /** Stops the node (TERM, then KILL after 30 s) and waits for it. */
    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor();
            }
            process.descendants().forEach(p -> p.onExit().join());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitReady() throws IOException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest health = HttpRequest.newBuilder(url().resolve("/_cluster/health?wait_for_status=yellow&timeout=1s"))
                .timeout(Duration.ofSeconds(5)).build();
        Instant deadline = Instant.now().plus(READY);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IOException("OpenSearch exited with " + process.exitValue() + "; see " + home.getParent().resolve("opensearch.out"));
            }
            try {
                HttpResponse<String> answer = client.send(health, HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for OpenSearch", e);
            }
            try {
                process.waitFor(200, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for OpenSearch", e);
            }
        }
        throw new IOException("OpenSearch was not ready after " + READY.toSeconds() + " s; see "
                + home.getParent().resolve("opensearch.out"));
    }

    /**
     * A Maven artifact of this module: the file named by the system property
     * {@code kedai.<file name without version>} (the tests' surefire sets them from the local
     * Maven repository), else one on the class path, else in {@code libs/} beside this module's
     * jar, or beside it when it is itself in the devstack's {@code libs/}.
     */
    static Path artifact(String name) {
        List<Path> candidates = new ArrayList<>();
        Optional.ofNullable(System.getProperty("kedai." + name.replace("-" + VERSION, "").replaceAll("\\.(zip|jar)$", "")))
                .ifPresent(file -> candidates.add(Path.of(file)));
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!entry.isBlank() && Path.of(entry).getFileName() != null && Path.of(entry).getFileName().toString().equals(name)) {
                candidates.add(Path.of(entry));
            }
        }
        try {
            Path self = Path.of(OpenSearchNode.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            candidates.add(self.resolveSibling("libs").resolve(name));
            candidates.add(self.resolveSibling(name));   // this jar is itself in libs/ (the devstack's)
        } catch (Exception e) {
            // no code source: only the other places
        }
        return candidates.stream().filter(Files::isRegularFile).findFirst().orElseThrow(
                () -> new IllegalStateException(name + " not found (looked at " + candidates
                        + "); build devstack/infra, whose dependencies bring it from Maven Central"));
    }

    private static void unzip(Path zip, Path into) throws IOException {
        try (InputStream in = Files.newInputStream(zip); ZipInputStream entries = new ZipInputStream(in)) {
            for (ZipEntry e = entries.getNextEntry(); e != null; e = entries.getNextEntry()) {
                Path target = into.resolve(e.getName()).normalize();
                if (!target.startsWith(into)) {
                    throw new IOException("zip entry outside the target: " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(entries, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static void ensureUser() throws IOException {
        if (runQuietly("id", "-u", USER) != 0) {
            run("useradd", "-r", "-s", "/usr/sbin/nologin", USER);
        }
    }

    // the node's user must be able to walk down to its directory (a temp dir is often 0700)
    private static void openPath(Path dir) throws IOException {
        for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
            File f = p.toFile();
            f.setExecutable(true, false);
        }
    }

    private static void run(String... command) throws IOException {
        int rc = runQuietly(command);
        if (rc != 0) {
            throw new IOException(String.join(" ", command) + " failed with exit code " + rc);
        }
    }

    private static int runQuietly(String... command) throws IOException {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
    }

    /** Starts a node in a directory and stays until Enter or EOF: a quick manual check. */
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("kedai-opensearch");
        try (OpenSearchNode node = start(dir, 0, 0)) {
            System.out.println("[kedai infra] OpenSearch ready at " + node.url() + " (pid " + node.pid() + ")");
            while (System.in.read() >= 0) {
                // until EOF
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}

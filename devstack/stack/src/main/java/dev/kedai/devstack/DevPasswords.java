package dev.kedai.devstack;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;

/**
 * The database passwords of the local services: generated on first use and kept in
 * {@code .kedai/dev-passwords.properties} (owner-only), so they stay the same across restarts.
 */
public final class DevPasswords {
    private static final SecureRandom RANDOM = new SecureRandom();

    private DevPasswords() {
    }

    public static Map<KedaiService, String> loadOrCreate(Path file) {
        Properties stored = new Properties();
        if (Files.exists(file)) {
            try (Reader reader = Files.newBufferedReader(file)) {
                stored.load(reader);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        Map<KedaiService, String> passwords = new EnumMap<>(KedaiService.class);
        boolean changed = false;
        for (KedaiService service : KedaiService.values()) {
            String key = service.id() + ".db.password";
            String password = stored.getProperty(key);
            if (password == null || password.isBlank()) {
                password = random();
                stored.setProperty(key, password);
                changed = true;
            }
            passwords.put(service, password);
        }
        if (changed) {
            save(file, stored);
        }
        return passwords;
    }

    /** 24 hex characters: quoting-free in URLs, shells and SQL. */
    public static String random() {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static void save(Path file, Properties stored) {
        try {
            Files.createDirectories(file.getParent());
            if (!Files.exists(file) && FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            try (Writer writer = Files.newBufferedWriter(file)) {
                stored.store(writer, "Kedai devstack: database passwords of the local services (generated once)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}

package dev.kedai.devstack;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * What the local auth service needs that must not be baked into code: its RS256 signing key and
 * the admin account. Made on the first start and kept in {@code <state dir>/dev-auth/}
 * (owner-only files), so tokens and the admin password survive restarts:
 * {@code signing-key.pem} (PKCS#8) and {@code admin.properties}.
 *
 * <p>The admin email and password come from {@code KEDAI_ADMIN_EMAIL} / {@code KEDAI_ADMIN_PASSWORD}
 * when set, else {@code admin@kedai.local} and a generated password. auth uses the password only
 * when it creates the account, so the first one stays valid until changed there.
 *
 * @param keyFile       the private key auth signs with ({@code auth.keys.private-pem-path})
 * @param kid           its key id ({@code auth.keys.kid})
 * @param adminEmail    {@code auth.admin.email}
 * @param adminPassword {@code auth.admin.password}
 */
public record DevAuth(Path keyFile, String kid, String adminEmail, String adminPassword) {

    public static final String DEFAULT_ADMIN_EMAIL = "admin@kedai.local";

    @Override
    public String toString() {
        return "DevAuth[keyFile=" + keyFile + ", kid=" + kid + ", adminEmail=" + adminEmail + "]";
    }

    /** The state of a stack: {@code .kedai/} for the devstack, {@code target/} for the system tests. */
    public static DevAuth of(StackSpec spec) {
        return loadOrCreate(spec.stateDir());
    }

    public static DevAuth loadOrCreate(Path stateDir) {
        Path dir = stateDir.resolve("dev-auth");
        Path keyFile = dir.resolve("signing-key.pem");
        Path adminFile = dir.resolve("admin.properties");
        try {
            Files.createDirectories(dir);
            if (!Files.exists(keyFile)) {
                writePrivate(keyFile, newKeyPem());
            }
            Properties admin = new Properties();
            if (Files.exists(adminFile)) {
                try (Reader r = Files.newBufferedReader(adminFile)) {
                    admin.load(r);
                }
            }
            String email = env("KEDAI_ADMIN_EMAIL").orElse(admin.getProperty("email", DEFAULT_ADMIN_EMAIL));
            String password = env("KEDAI_ADMIN_PASSWORD").orElseGet(() -> admin.getProperty("password", DevPasswords.random()));
            if (!email.equals(admin.getProperty("email")) || !password.equals(admin.getProperty("password"))) {
                admin.setProperty("email", email);
                admin.setProperty("password", password);
                Writer text = new StringWriter();
                admin.store(text, "Kedai devstack: the admin account auth creates on its first start");
                writePrivate(adminFile, text.toString());
            }
            return new DevAuth(keyFile, kid(Files.readString(keyFile)), email, password);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + dir, e);
        }
    }

    /** The {@code -D} settings of the auth service. */
    public Map<String, String> authProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("auth.keys.private-pem-path", keyFile.toAbsolutePath().toString());
        p.put("auth.keys.kid", kid);
        p.put("auth.admin.email", adminEmail);
        p.put("auth.admin.password", adminPassword);
        return p;
    }

    private static Optional<String> env(String name) {
        return Optional.ofNullable(System.getenv(name)).filter(s -> !s.isBlank());
    }

    private static String newKeyPem() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            byte[] der = generator.generateKeyPair().getPrivate().getEncoded();
            return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(der) + "\n-----END PRIVATE KEY-----\n";
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** "dev-" and 12 characters of the key's SHA-256: a new key gets a new kid. */
    private static String kid(String pem) {
        try {
            byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", ""));
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(der);
            return "dev-" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 12);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void writePrivate(Path file, String content) throws IOException {
        if (!Files.exists(file) && FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(file, content);
    }
}

package dev.kedai.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.helidon.config.Config;
import io.helidon.faulttolerance.Bulkhead;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashes (Bouncy Castle) in the PHC string format
 * {@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>}, so a hash keeps the cost it was made with
 * and the configured cost can be raised without invalidating old hashes.
 *
 * <p>Config {@code auth.argon2}: {@code memory-kib} (default 19456 = 19 MiB), {@code iterations}
 * (default 2), {@code parallelism} (default 1) — OWASP's minimum for Argon2id.
 *
 * <p>{@link #verifyUnknown(String)} spends the same work on a password of an email that has no
 * account, so a login answers unknown emails and wrong passwords in about the same time.
 *
 * <p>Every hash and verification runs through one {@link Bulkhead}: at most
 * {@code auth.argon2.max-concurrent} (default: the number of cores) at once, at most
 * {@code max-queued} (default 16) waiting. Argon2id is CPU- and memory-bound, so more parallel
 * work than cores only makes every login slower until clients time out while the server still
 * hashes for them; beyond the queue the caller gets a {@code BulkheadException} (503 +
 * {@code Retry-After}). Known and unknown emails pass the same bulkhead, so it adds no timing
 * difference between them.
 */
public final class PasswordHasher {

    private static final Pattern PHC = Pattern.compile(
            "\\$argon2id\\$v=19\\$m=(\\d{1,8}),t=(\\d{1,3}),p=(\\d{1,2})\\$([A-Za-z0-9+/]+)\\$([A-Za-z0-9+/]+)");
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;

    /** The cost of new hashes. */
    public record Cost(int memoryKib, int iterations, int parallelism) {
        public Cost {
            if (memoryKib < 8 * parallelism || iterations < 1 || parallelism < 1) {
                throw new IllegalArgumentException("auth.argon2: memory-kib >= 8 x parallelism, iterations and parallelism >= 1");
            }
        }
    }

    /** How much Argon2id work may run at once, and how much may wait for it. */
    public record Limits(int maxConcurrent, int maxQueued) {
        public Limits {
            if (maxConcurrent < 1 || maxQueued < 0) {
                throw new IllegalArgumentException("auth.argon2: max-concurrent >= 1, max-queued >= 0");
            }
        }
    }

    private final Cost cost;
    private final Bulkhead bulkhead;
    private final SecureRandom random = new SecureRandom();
    private final String dummyHash;

    public PasswordHasher(Cost cost, Limits limits) {
        this.cost = cost;
        this.bulkhead = Bulkhead.create(b -> b.name("argon2")
                .limit(limits.maxConcurrent())
                .queueLength(limits.maxQueued()));
        // the configured cost with a random salt and random hash bytes: verifying against it derives
        // exactly what verifying a real account's hash does, and no password matches it; not a real
        // hash of a random secret, which cost auth 5.6 s of its start on a cold JVM (Argon2 interpreted)
        byte[] salt = new byte[SALT_BYTES];
        byte[] hash = new byte[HASH_BYTES];
        random.nextBytes(salt);
        random.nextBytes(hash);
        this.dummyHash = phc(cost, salt, hash);
    }

    public static PasswordHasher create(Config root) {
        Config c = root.get("auth.argon2");
        return new PasswordHasher(new Cost(c.get("memory-kib").asInt().orElse(19456),
                                           c.get("iterations").asInt().orElse(2),
                                           c.get("parallelism").asInt().orElse(1)),
                                  new Limits(c.get("max-concurrent").asInt().orElse(Runtime.getRuntime().availableProcessors()),
                                             c.get("max-queued").asInt().orElse(16)));
    }

    public Cost cost() {
        return cost;
    }

    /**
     * A new hash with a fresh random salt.
     *
     * @throws io.helidon.faulttolerance.BulkheadException when too much Argon2id work is running and waiting
     */
    public String hash(String password) {
        return bulkhead.invoke(() -> hashNow(password));
    }

    private String hashNow(String password) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        return phc(cost, salt, derive(password, salt, cost, HASH_BYTES));
    }

    private static String phc(Cost cost, byte[] salt, byte[] hash) {
        return "$argon2id$v=19$m=" + cost.memoryKib() + ",t=" + cost.iterations() + ",p=" + cost.parallelism()
                + "$" + B64.encodeToString(salt) + "$" + B64.encodeToString(hash);
    }

    /**
     * Whether {@code password} matches {@code phc}; the comparison takes the same time wherever they differ.
     *
     * @throws io.helidon.faulttolerance.BulkheadException when too much Argon2id work is running and waiting
     */
    public boolean verify(String password, String phc) {
        return bulkhead.invoke(() -> verifyNow(password, phc));
    }

    private static boolean verifyNow(String password, String phc) {
        Matcher m = PHC.matcher(phc);
        if (!m.matches()) {
            return false;
        }
        Cost stored = new Cost(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
        byte[] salt = B64D.decode(m.group(4));
        byte[] expected = B64D.decode(m.group(5));
        byte[] actual = derive(password, salt, stored, expected.length);
        return MessageDigest.isEqual(expected, actual);
    }

    /** Does the work of a verification for an email without an account; always false. */
    public boolean verifyUnknown(String password) {
        verify(password, dummyHash);
        return false;
    }

    private static byte[] derive(String password, byte[] salt, Cost cost, int length) {
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                               .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                               .withMemoryAsKB(cost.memoryKib())
                               .withIterations(cost.iterations())
                               .withParallelism(cost.parallelism())
                               .withSalt(salt)
                               .build());
        byte[] out = new byte[length];
        generator.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
        return out;
    }
}

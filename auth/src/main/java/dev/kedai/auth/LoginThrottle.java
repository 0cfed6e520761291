package dev.kedai.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import io.helidon.config.Config;
import redis.clients.jedis.UnifiedJedis;

/**
 * Failed-login counters per (email, client IP) in Redis. After {@code max-failures} failures
 * within {@code window} of the first one, logins for that pair are refused (429) until the
 * counter expires, even with the right password, so guessing gains nothing by waiting for a
 * lucky answer. An email without an account counts the same as a real one (no enumeration by
 * behaviour). A successful login deletes the counter.
 *
 * <p>Config {@code auth.login-limit}: {@code max-failures} (default 5), {@code window}
 * (default PT15M). Keys are {@code kedai:auth:login-failures:<sha256(email|ip)>}, so Redis
 * holds no email address.
 */
public final class LoginThrottle {

    private static final String PREFIX = "kedai:auth:login-failures:";
    // INCR and the expiry of the first failure in one step: a counter never lives forever
    private static final String COUNT_FAILURE = """
            local n = redis.call('INCR', KEYS[1])
            if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
            return n""";

    private final UnifiedJedis redis;
    private final int maxFailures;
    private final Duration window;

    public LoginThrottle(UnifiedJedis redis, int maxFailures, Duration window) {
        this.redis = redis;
        this.maxFailures = maxFailures;
        this.window = window;
    }

    public static LoginThrottle create(UnifiedJedis redis, Config root) {
        Config c = root.get("auth.login-limit");
        return new LoginThrottle(redis, c.get("max-failures").asInt().orElse(5),
                                 c.get("window").as(Duration.class).orElse(Duration.ofMinutes(15)));
    }

    /** When this pair is blocked: how long until it may try again. */
    public Optional<Duration> blockedFor(String email, String ip) {
        String key = key(email, ip);
        String count = redis.get(key);
        if (count == null || Long.parseLong(count) < maxFailures) {
            return Optional.empty();
        }
        long ttl = redis.pttl(key);
        return Optional.of(ttl > 0 ? Duration.ofMillis(ttl) : window);
    }

    public void failed(String email, String ip) {
        redis.eval(COUNT_FAILURE, List.of(key(email, ip)), List.of(Long.toString(window.toMillis())));
    }

    public void succeeded(String email, String ip) {
        redis.del(key(email, ip));
    }

    /** The Redis key counting failures of one (normalised) email from one address. */
    static String key(String email, String ip) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((email + "|" + ip).getBytes(StandardCharsets.UTF_8));
            return PREFIX + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

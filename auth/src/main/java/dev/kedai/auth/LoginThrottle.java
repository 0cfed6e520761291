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
 * <p>Every attempt is counted, atomically, BEFORE its password is checked ({@link #attempt}): a
 * check-then-count let parallel guesses all pass the check while the count was still low (14 at
 * once got 7 verdicts). Now at most {@code max-failures} attempts of a window ever reach the
 * password check, however many arrive at once.
 *
 * <p>Config {@code auth.login-limit}: {@code max-failures} (default 5), {@code window}
 * (default PT15M). Keys are {@code kedai:auth:login-failures:<sha256(email|ip)>}, so Redis
 * holds no email address.
 */
public final class LoginThrottle {

    private static final String PREFIX = "kedai:auth:login-failures:";
    // In one step: a pair already at the limit is refused without counting (the counter holds the
    // failures and the attempts still being checked, never more than the limit); else INCR, with
    // the window as expiry on the first attempt (a counter never lives forever). The count and the
    // time left come back together.
    private static final String COUNT_ATTEMPT = """
            local n = tonumber(redis.call('GET', KEYS[1]) or '0')
            if n >= tonumber(ARGV[2]) then return {n + 1, redis.call('PTTL', KEYS[1])} end
            n = redis.call('INCR', KEYS[1])
            if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
            return {n, redis.call('PTTL', KEYS[1])}""";
    // an attempt that got no verdict gives its place back (never below zero)
    private static final String GIVE_BACK = """
            local n = tonumber(redis.call('GET', KEYS[1]) or '0')
            if n > 0 then redis.call('DECR', KEYS[1]) end
            return 0""";

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

    /**
     * Counts one login attempt of this pair, before its password is checked.
     *
     * @return empty when the attempt may go on to the password check; else how long until the pair
     *         may try again
     */
    public Optional<Duration> attempt(String email, String ip) {
        List<?> answer = (List<?>) redis.eval(COUNT_ATTEMPT, List.of(key(email, ip)),
                                              List.of(Long.toString(window.toMillis()), Integer.toString(maxFailures)));
        long count = (Long) answer.get(0);
        if (count <= maxFailures) {
            return Optional.empty();
        }
        long ttl = (Long) answer.get(1);
        return Optional.of(ttl > 0 ? Duration.ofMillis(ttl) : window);
    }

    /** An attempt that was counted but never checked (no capacity to hash): it is not a failure. */
    public void unchecked(String email, String ip) {
        redis.eval(GIVE_BACK, List.of(key(email, ip)), List.of());
    }

    /** A right password: the pair's failures are forgotten. */
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

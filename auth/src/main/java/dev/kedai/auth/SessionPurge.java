package dev.kedai.auth;

import java.time.Clock;
import java.time.Duration;

import dev.kedai.platform.health.SupervisedLoop;
import io.helidon.config.Config;
import io.helidon.dbclient.DbClient;

/**
 * Deletes {@code sessions} and {@code refresh_tokens} rows that expired more than {@code grace}
 * ago, every {@code interval}, in batches of {@code batch-size} rows so no statement holds many row
 * locks or a long transaction while logins and refreshes run. Nothing else ever deletes them, so
 * without this both tables grow by a row per login and per refresh forever.
 *
 * <p>Only expired rows go: a refresh token expires no earlier than its session (it is issued during
 * the session with the full TTL), so reuse detection of a live session never loses a spent token.
 * The grace keeps a just-expired row around for a while (e.g. to answer support questions).
 * Several replicas may purge at the same time: the deletes are idempotent. It runs as a
 * {@link SupervisedLoop} ({@code session-purge}): a failed run (the database away for a moment) is
 * tried again after a pause, and liveness and {@code kedai_loop_*} report it.
 *
 * <p>Config {@code auth.purge}: {@code interval} (default PT10M), {@code grace} (default PT1H),
 * {@code batch-size} (default 500). The indexes on {@code expires_ms} (V3) keep each batch cheap.
 */
public final class SessionPurge implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(SessionPurge.class.getName());

    // MariaDB allows LIMIT on a single-table DELETE: each statement is its own short transaction
    private static final String DELETE_REFRESH_TOKENS = "DELETE FROM refresh_tokens WHERE expires_ms < ? LIMIT ?";
    private static final String DELETE_SESSIONS = "DELETE FROM sessions WHERE expires_ms < ? LIMIT ?";

    /** Rows deleted by one run. */
    public record Purged(long sessions, long refreshTokens) {
    }

    private final DbClient db;
    private final Clock clock;
    private final Duration interval;
    private final Duration grace;
    private final int batchSize;
    private SupervisedLoop loop;

    public SessionPurge(DbClient db, Clock clock, Duration interval, Duration grace, int batchSize) {
        if (interval.isNegative() || interval.isZero() || grace.isNegative() || batchSize < 1) {
            throw new IllegalArgumentException("auth.purge: interval > 0, grace >= 0, batch-size >= 1");
        }
        this.db = db;
        this.clock = clock;
        this.interval = interval;
        this.grace = grace;
        this.batchSize = batchSize;
    }

    public static SessionPurge create(DbClient db, Config root) {
        Config c = root.get("auth.purge");
        return new SessionPurge(db, Clock.systemUTC(),
                                c.get("interval").as(Duration.class).orElse(Duration.ofMinutes(10)),
                                c.get("grace").as(Duration.class).orElse(Duration.ofHours(1)),
                                c.get("batch-size").asInt().orElse(500));
    }

    /** Runs {@link #purgeOnce()} at once, then every {@code interval}. */
    public synchronized SessionPurge start() {
        if (loop == null) {
            loop = SupervisedLoop.builder("session-purge", this::purgeLogged).build().start();
        }
        return this;
    }

    /** Deletes every row that expired more than {@code grace} ago, batch by batch. */
    public Purged purgeOnce() {
        long cutoff = clock.millis() - grace.toMillis();
        long tokens = deleteAll(DELETE_REFRESH_TOKENS, cutoff);
        long sessions = deleteAll(DELETE_SESSIONS, cutoff);
        return new Purged(sessions, tokens);
    }

    @Override
    public synchronized void close() {
        if (loop != null) {
            loop.close();
            loop = null;
        }
    }

    private long deleteAll(String sql, long cutoff) {
        long total = 0;
        long deleted;
        do {
            deleted = db.execute().delete(sql, cutoff, batchSize);
            total += deleted;
        } while (deleted == batchSize && (loop == null || loop.running()));
        return total;
    }

    private Duration purgeLogged() {
        Purged purged = purgeOnce();
        if (purged.sessions() + purged.refreshTokens() > 0) {
            LOG.log(System.Logger.Level.INFO, "purged " + purged.sessions() + " expired sessions and "
                    + purged.refreshTokens() + " expired refresh tokens");
        }
        return interval;
    }
}

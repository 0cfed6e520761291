package dev.kedai.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;

import dev.kedai.contracts.Topics;
import dev.kedai.platform.db.Transactions;
import dev.kedai.platform.events.Outbox;
import dev.kedai.platform.proto.ProtoTime;
import dev.kedai.proto.auth.v1.UserRegistered;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbRow;

/** SQL of accounts ({@code credentials}), sessions and refresh tokens. */
public final class AuthStore {

    private static final String BY_EMAIL = "SELECT user_id, email, password_hash, role FROM credentials WHERE email = ?";
    private static final String INSERT_ACCOUNT =
            "INSERT INTO credentials (user_id, email, password_hash, role) VALUES (?, ?, ?, ?)";
    private static final String MAKE_ADMIN = "UPDATE credentials SET role = 'admin' WHERE email = ? AND role <> 'admin'";
    private static final String INSERT_SESSION =
            "INSERT INTO sessions (session_id, user_id, expires_ms) VALUES (?, ?, ?)";
    private static final String INSERT_REFRESH =
            "INSERT INTO refresh_tokens (token_hash, session_id, expires_ms) VALUES (?, ?, ?)";
    // NULLs become 0/1 here: Helidon 4.1.7's DbColumn fails on a NULL value
    // the row lock serialises two refreshes with one token: the second sees it spent
    private static final String REFRESH_FOR_UPDATE = """
            SELECT r.session_id, r.expires_ms, CAST(r.used_ms IS NOT NULL AS SIGNED) AS spent, s.user_id,
                   CAST(s.revoked_ms IS NOT NULL AS SIGNED) AS revoked, s.expires_ms AS session_expires_ms, c.role
            FROM refresh_tokens r
            JOIN sessions s ON s.session_id = r.session_id
            JOIN credentials c ON c.user_id = s.user_id
            WHERE r.token_hash = ? FOR UPDATE""";
    private static final String SPEND = "UPDATE refresh_tokens SET used_ms = ? WHERE token_hash = ?";
    private static final String REVOKE_SESSION =
            "UPDATE sessions SET revoked_ms = ? WHERE session_id = ? AND revoked_ms IS NULL";

    private final DbClient db;
    private final Transactions transactions;
    private final Outbox outbox;
    private final Clock clock;
    private final Duration refreshTtl;

    public AuthStore(DbClient db, Transactions transactions, Outbox outbox, Duration refreshTtl, Clock clock) {
        this.db = db;
        this.transactions = transactions;
        this.outbox = outbox;
        this.refreshTtl = refreshTtl;
        this.clock = clock;
    }

    public Duration refreshTtl() {
        return refreshTtl;
    }

    public Optional<Credentials> byEmail(String email) {
        return db.execute().get(BY_EMAIL, email).map(AuthStore::credentials);
    }

    /**
     * Creates an account and its UserRegistered event in one transaction.
     *
     * @return the new user id, or empty if the email is taken
     */
    public Optional<String> register(String email, String passwordHash, String name, String role) {
        String userId = UUID.randomUUID().toString();
        Instant now = clock.instant();
        try {
            transactions.inTransaction(tx -> {
                tx.insert(INSERT_ACCOUNT, userId, email, passwordHash, role);
                return outbox.append(tx, Topics.AUTH_USER, userId, UserRegistered.newBuilder()
                        .setUserId(userId)
                        .setEmail(email)
                        .setName(name)
                        .setRegisteredAt(ProtoTime.timestamp(now))
                        .build());
            });
            return Optional.of(userId);
        } catch (RuntimeException e) {
            if (isDuplicate(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Gives the account with this email the admin role; false if it was admin already (or absent). */
    public boolean makeAdmin(String email) {
        return db.execute().update(MAKE_ADMIN, email) > 0;
    }

    /**
     * Starts a session with its first refresh token.
     *
     * @return the refresh token (only its hash is stored)
     */
    public String startSession(String sessionId, String userId) {
        long now = clock.millis();
        String token = RefreshTokens.newToken();
        return transactions.inTransaction(tx -> {
            tx.insert(INSERT_SESSION, sessionId, userId, now + refreshTtl.toMillis());
            tx.insert(INSERT_REFRESH, RefreshTokens.hash(token), sessionId, now + refreshTtl.toMillis());
            return token;
        });
    }

    /**
     * Spends {@code token} and, if it was valid, stores {@code next} in its place in the same family.
     * A token that was spent already revokes its session (the family) here, in the database; the
     * caller revokes the session's access tokens in the deny list.
     */
    public RefreshGrant rotate(String token, String next) {
        long now = clock.millis();
        // an invalid token writes nothing: committing its reads is the same as rolling them back
        return transactions.inTransaction(tx -> {
            Optional<DbRow> found = tx.get(REFRESH_FOR_UPDATE, RefreshTokens.hash(token));
            if (found.isEmpty()) {
                return RefreshGrant.invalid();
            }
            DbRow row = found.get();
            String sessionId = row.column("session_id").getString();
            String userId = row.column("user_id").getString();
            if (row.column("spent").getInt() == 1) {
                tx.update(REVOKE_SESSION, now, sessionId);
                return new RefreshGrant(RefreshGrant.Outcome.REUSED, userId, sessionId, null);
            }
            if (row.column("revoked").getInt() == 1 || row.column("expires_ms").getLong() <= now
                    || row.column("session_expires_ms").getLong() <= now) {
                return RefreshGrant.invalid();
            }
            tx.update(SPEND, now, RefreshTokens.hash(token));
            tx.insert(INSERT_REFRESH, RefreshTokens.hash(next), sessionId, now + refreshTtl.toMillis());
            return new RefreshGrant(RefreshGrant.Outcome.GRANTED, userId, sessionId, row.column("role").getString());
        });
    }

    /** Ends a session: its refresh tokens stop working. */
    public void revokeSession(String sessionId) {
        db.execute().update(REVOKE_SESSION, clock.millis(), sessionId);
    }

    private static Credentials credentials(DbRow row) {
        return new Credentials(row.column("user_id").getString(), row.column("email").getString(),
                               row.column("password_hash").getString(), row.column("role").getString());
    }

    private static boolean isDuplicate(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof SQLIntegrityConstraintViolationException) {
                return true;
            }
        }
        return false;
    }

    /** Opaque refresh tokens: 256 random bits, stored as their SHA-256. */
    static final class RefreshTokens {
        private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

        private RefreshTokens() {
        }

        static String newToken() {
            byte[] bytes = new byte[32];
            RANDOM.nextBytes(bytes);
            return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        }

        static String hash(String token) {
            try {
                return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                                                        .digest(token.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}

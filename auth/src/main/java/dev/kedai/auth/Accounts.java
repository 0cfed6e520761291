package dev.kedai.auth;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

import dev.kedai.platform.security.Caller;
import dev.kedai.platform.security.DenyList;

/**
 * Registration, login, refresh and logout: the rules of API.md's auth table, without HTTP.
 * {@link AuthHttp} maps the outcomes to answers.
 */
public final class Accounts {

    public static final String CUSTOMER = "customer";
    public static final String ADMIN = "admin";

    /** A login's outcome. */
    public sealed interface LoginResult {
        record SignedIn(TokenPair tokens) implements LoginResult {
        }

        /** wrong email or password (the same answer for both) */
        record BadCredentials() implements LoginResult {
        }

        /** too many failures for this email from this address */
        record Throttled(Duration retryAfter) implements LoginResult {
        }
    }

    private final AuthStore store;
    private final PasswordHasher hasher;
    private final AccessTokens tokens;
    private final LoginThrottle throttle;
    private final DenyList denyList;

    public Accounts(AuthStore store, PasswordHasher hasher, AccessTokens tokens, LoginThrottle throttle,
                    DenyList denyList) {
        this.store = store;
        this.hasher = hasher;
        this.tokens = tokens;
        this.throttle = throttle;
        this.denyList = denyList;
    }

    /** Emails compare case-insensitively: they are stored lower-cased. */
    public static String normalize(String email) {
        return email.trim().toLowerCase(Locale.ROOT);
    }

    /** @return the new user id, or empty when the email is taken */
    public Optional<String> register(String email, String password, String name, String role) {
        // hash before the transaction: no DB connection is held during the slow part
        return store.register(normalize(email), hasher.hash(password), name, role);
    }

    public LoginResult login(String rawEmail, String password, String clientIp) {
        String email = normalize(rawEmail);
        // counted before the check: parallel guesses cannot all slip under the limit
        Optional<Duration> blocked = throttle.attempt(email, clientIp);
        if (blocked.isPresent()) {
            return new LoginResult.Throttled(blocked.get());
        }
        Optional<Credentials> account;
        boolean valid;
        try {
            account = store.byEmail(email);
            // an unknown email costs one Argon2id verification too, so timing does not tell them apart
            valid = account.map(a -> hasher.verify(password, a.passwordHash()))
                    .orElseGet(() -> hasher.verifyUnknown(password));
        } catch (RuntimeException e) {
            // no verdict (busy hashing: 503, database away): the attempt was no failed guess
            throttle.unchecked(email, clientIp);
            throw e;
        }
        if (!valid) {
            return new LoginResult.BadCredentials();
        }
        throttle.succeeded(email, clientIp);
        Credentials c = account.orElseThrow();
        String sessionId = UUID.randomUUID().toString();
        String refresh = store.startSession(sessionId, c.userId());
        return new LoginResult.SignedIn(pair(c.userId(), sessionId, c.role(), refresh));
    }

    /**
     * Exchanges a refresh token for a new pair. A token used twice revokes its whole session: its
     * refresh tokens (in the database) and its access tokens (in the deny list, seen by every service).
     *
     * @return empty when the token is invalid, expired, revoked or reused (all 401)
     */
    public Optional<TokenPair> refresh(String refreshToken) {
        String next = AuthStore.RefreshTokens.newToken();
        RefreshGrant grant = store.rotate(refreshToken, next);
        return switch (grant.outcome()) {
            case GRANTED -> Optional.of(pair(grant.userId(), grant.sessionId(), grant.role(), next));
            case REUSED -> {
                denyList.revokeSession(grant.sessionId(), tokens.revokeUntil());
                yield Optional.empty();
            }
            case INVALID -> Optional.empty();
        };
    }

    /** Ends the caller's session everywhere: this access token, its siblings and its refresh tokens. */
    public void logout(Caller caller) {
        // the deny list first: if Redis is down the logout fails visibly instead of half-working
        denyList.revokeToken(caller.tokenId(), caller.expiresAt());
        denyList.revokeSession(caller.sessionId(), tokens.revokeUntil());
        store.revokeSession(caller.sessionId());
    }

    private TokenPair pair(String userId, String sessionId, String role, String refresh) {
        AccessTokens.Issued access = tokens.mint(userId, sessionId, role);
        return new TokenPair(access.token(), refresh, "Bearer", tokens.ttl().toSeconds());
    }
}

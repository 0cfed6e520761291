package dev.kedai.platform.security;

import java.time.Instant;
import java.util.Set;

/**
 * The authenticated user of a request, from a verified access token.
 *
 * @param userId    {@code sub}
 * @param sessionId {@code sid}: logout revokes every token of the session
 * @param tokenId   {@code jti}
 * @param groups    {@code groups}: roles ({@code customer}, {@code admin})
 * @param expiresAt {@code exp}
 */
public record Caller(String userId, String sessionId, String tokenId, Set<String> groups, Instant expiresAt) {

    public Caller {
        groups = Set.copyOf(groups);
    }

    public boolean hasRole(String role) {
        return groups.contains(role);
    }
}

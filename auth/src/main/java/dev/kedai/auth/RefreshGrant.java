package dev.kedai.auth;

/**
 * What a refresh token unlocked: the session it belongs to and the account's current role.
 *
 * @param outcome {@link Outcome#GRANTED} only when the token was unused and its session alive
 */
public record RefreshGrant(Outcome outcome, String userId, String sessionId, String role) {

    public enum Outcome {
        GRANTED,
        /** no such token, or it (or its session) expired or was revoked */
        INVALID,
        /** the token was already spent: its whole session has just been revoked */
        REUSED
    }

    static RefreshGrant invalid() {
        return new RefreshGrant(Outcome.INVALID, null, null, null);
    }
}

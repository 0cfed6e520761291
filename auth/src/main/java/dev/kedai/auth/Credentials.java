package dev.kedai.auth;

/**
 * An account as auth keeps it.
 *
 * @param email        lower-cased
 * @param passwordHash Argon2id, PHC string format
 * @param role         {@code customer} or {@code admin}
 */
public record Credentials(String userId, String email, String passwordHash, String role) {

    @Override
    public String toString() {
        return "Credentials[userId=" + userId + ", role=" + role + "]";   // no email or hash in logs
    }
}

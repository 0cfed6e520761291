package dev.kedai.user;

import java.time.Instant;

/**
 * A user's profile, created from auth's UserRegistered event (issue 3).
 *
 * @param phone null until the user sets one
 */
public record Profile(String userId, String email, String name, String phone, Instant createdAt) {
}

package dev.kedai.stock;

import java.time.Instant;
import java.util.List;

/**
 * The answer to a reservation: reserved (with its expiry) or not (with every short line).
 *
 * @param expiresAt when the sweeper releases it unless committed; null when not reserved
 */
public record ReserveOutcome(boolean reserved, List<Shortage> shortages, Instant expiresAt) {

    static ReserveOutcome reserved(Instant expiresAt) {
        return new ReserveOutcome(true, List.of(), expiresAt);
    }

    static ReserveOutcome shortOf(List<Shortage> shortages) {
        return new ReserveOutcome(false, List.copyOf(shortages), null);
    }
}

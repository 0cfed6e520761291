package dev.kedai.stock;

/** Where a reservation is in its life; only RESERVED holds units. */
public enum ReservationStatus {
    RESERVED, COMMITTED, RELEASED, EXPIRED
}

package dev.kedai.stock;

/** A line that could not be reserved: how many were asked for and how many were left. */
public record Shortage(String productId, int requested, long available) {
}

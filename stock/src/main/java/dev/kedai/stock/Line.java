package dev.kedai.stock;

/** One product and how many units of it an order wants. */
public record Line(String productId, int quantity) {
}

package dev.kedai.cartorder;

/** A product as the catalog has it now: name and price for carts and the price snapshot of checkout. */
record ProductSnapshot(String productId, String name, Money price, boolean active) {
}

package dev.kedai.cartorder;

import dev.kedai.platform.money.Money;

/** A product as the catalog has it now: name and price for carts and the price snapshot of checkout. */
record ProductSnapshot(String productId, String name, Money price, boolean active) {
}

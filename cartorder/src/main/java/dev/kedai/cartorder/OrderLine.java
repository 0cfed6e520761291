package dev.kedai.cartorder;

import dev.kedai.platform.money.Money;

/** A line of an order, with the name and price captured when the order was placed. */
public record OrderLine(String productId, String name, Money unitPrice, int quantity, Money lineTotal) {
}

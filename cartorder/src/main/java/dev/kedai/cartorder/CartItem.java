package dev.kedai.cartorder;

import dev.kedai.platform.money.Money;

/**
 * A cart line as shown: priced with the catalog's current price. {@code available} is false for a
 * product that is inactive, deleted or unknown to the catalog; such a line has no price when the
 * catalog does not know it at all, and it never counts towards the cart's total.
 */
public record CartItem(String itemId, String productId, String name, Money unitPrice, int quantity,
                       Money lineTotal, boolean available) {
}

package dev.kedai.cartorder;

import java.util.List;

import dev.kedai.platform.money.Money;

/**
 * A user's cart: {@code {"items": [...], "total": {"amount": ..., "currency": "IDR"}}}.
 *
 * @param total the sum of the available lines
 */
public record Cart(List<CartItem> items, Money total) {

    public Cart {
        items = List.copyOf(items);
    }
}

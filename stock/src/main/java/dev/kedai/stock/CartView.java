package dev.kedai.stock;

import java.util.List;

import dev.kedai.proto.cartorder.v1.Cart;

/** The caller's cart as {@code GET /cart} shows it, made from cartorder's gRPC answer. */
public record CartView(List<Item> items, Money total) {

    public record Item(String itemId, String productId, String name, Money unitPrice, int quantity, Money lineTotal,
                       boolean available) {
    }

    static CartView of(Cart cart) {
        return new CartView(cart.getItemsList().stream()
                                    .map(i -> new Item(i.getItemId(), i.getProductId(), i.getName(), Money.of(i.getUnitPrice()),
                                                       i.getQuantity(), Money.of(i.getLineTotal()), i.getAvailable()))
                                    .toList(),
                            Money.of(cart.getTotal()));
    }
}

package dev.kedai.stock;

import java.util.List;

import dev.kedai.platform.money.Money;
import dev.kedai.proto.cartorder.v1.Cart;

/** The caller's cart as {@code GET /cart} shows it, made from cartorder's gRPC answer. */
public record CartView(List<Item> items, Money total) {

    public record Item(String itemId, String productId, String name, Money unitPrice, int quantity, Money lineTotal,
                       boolean available) {
    }

    /** @param currency what an amount without a currency is in ({@code money.default-currency}) */
    static CartView of(Cart cart, String currency) {
        return new CartView(cart.getItemsList().stream()
                                    .map(i -> new Item(i.getItemId(), i.getProductId(), i.getName(),
                                                       Money.fromProto(i.getUnitPrice(), currency), i.getQuantity(),
                                                       Money.fromProto(i.getLineTotal(), currency), i.getAvailable()))
                                    .toList(),
                            Money.fromProto(cart.getTotal(), currency));
    }
}

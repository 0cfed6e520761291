package dev.kedai.cartorder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.kedai.platform.money.Money;

/** The cart use cases: show it priced with the catalog's current prices, add to it, empty it. */
final class Carts {

    private final CartStore store;
    private final ProductClient products;
    private final String currency;

    /** @param currency the currency of an empty cart's total ({@code money.default-currency}) */
    Carts(CartStore store, ProductClient products, String currency) {
        this.store = store;
        this.products = products;
        this.currency = currency;
    }

    /** The user's cart with current names and prices; the total counts available lines only. */
    Cart cart(String userId) {
        return priced(store.lines(userId));
    }

    /** Applies an add once per operation id (a repeat changes nothing) and returns the cart. */
    Cart add(String operationId, String userId, String productId, int quantity, int maxLineQuantity) {
        store.add(operationId, userId, productId, quantity, maxLineQuantity);
        return cart(userId);
    }

    boolean remove(String userId, String itemId) {
        return store.remove(userId, itemId);
    }

    void clear(String userId) {
        store.clear(userId);
    }

    Cart priced(List<CartLine> lines) {
        Map<String, ProductSnapshot> snapshots = products.products(lines.stream().map(CartLine::productId).toList());
        List<CartItem> items = new ArrayList<>(lines.size());
        long total = 0;
        String currency = this.currency;
        for (CartLine line : lines) {
            ProductSnapshot p = snapshots.get(line.productId());
            if (p == null) {
                items.add(new CartItem(line.itemId(), line.productId(), null, null, line.quantity(), null, false));
                continue;
            }
            Money lineTotal = p.price().times(line.quantity());
            items.add(new CartItem(line.itemId(), line.productId(), p.name(), p.price(), line.quantity(), lineTotal,
                                   p.active()));
            if (p.active()) {
                total += lineTotal.amount();
                currency = p.price().currency();
            }
        }
        return new Cart(items, new Money(total, currency));
    }
}

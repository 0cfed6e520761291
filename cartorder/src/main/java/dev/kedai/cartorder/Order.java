package dev.kedai.cartorder;

import java.time.Instant;
import java.util.List;

import dev.kedai.platform.money.Money;

/**
 * An order. States: PENDING_PAYMENT → PAID → FULFILLED, PENDING_PAYMENT → CANCELLED.
 *
 * @param addressId null when the order has no delivery address
 * @param expiresAt when an unpaid order is cancelled and its reservation released
 */
public record Order(String orderId, String status, List<OrderLine> items, Money total, String addressId,
                    Instant createdAt, Instant expiresAt) {

    public Order {
        items = List.copyOf(items);
    }

    /** The same order with another expiry. */
    Order expiringAt(Instant expires) {
        return new Order(orderId, status, items, total, addressId, createdAt, expires);
    }

    /** PAID or FULFILLED: the customer's payment is kept. */
    boolean paid() {
        return "PAID".equals(status) || "FULFILLED".equals(status);
    }
}

package dev.kedai.cartorder;

import java.time.Instant;
import java.util.List;

import dev.kedai.platform.money.Money;

/**
 * An order. States: PENDING_PAYMENT → PAID → FULFILLED, PENDING_PAYMENT → CANCELLED, and PAID →
 * CANCELLED when its stock was lost (the payment is refunded).
 *
 * @param addressId    null when the order has no delivery address
 * @param expiresAt    when an unpaid order is cancelled and its reservation released
 * @param cancelReason why it was cancelled: USER, EXPIRED or OUT_OF_STOCK (paid, refunded); null unless CANCELLED
 */
public record Order(String orderId, String status, List<OrderLine> items, Money total, String addressId,
                    Instant createdAt, Instant expiresAt, String cancelReason) {

    public Order {
        items = List.copyOf(items);
    }

    /** The same order with another expiry. */
    Order expiringAt(Instant expires) {
        return new Order(orderId, status, items, total, addressId, createdAt, expires, cancelReason);
    }

    /** PAID or FULFILLED: the customer's payment is kept. */
    boolean paid() {
        return "PAID".equals(status) || "FULFILLED".equals(status);
    }
}

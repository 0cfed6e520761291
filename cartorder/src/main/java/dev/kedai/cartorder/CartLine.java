package dev.kedai.cartorder;

/**
 * One line of a cart as stored: one per product, {@code quantity} 1..99. Name, unit price, line
 * total and availability are looked up from the product service when the cart is shown
 * (issue 5); until then a line carries only what the cart itself knows.
 */
public record CartLine(String itemId, String productId, int quantity) {
}

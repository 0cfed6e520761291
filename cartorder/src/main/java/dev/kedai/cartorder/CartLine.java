package dev.kedai.cartorder;

/**
 * One line of a cart as stored: one per product, {@code quantity} 1..99. Name, price and
 * availability are not stored: they are looked up from the product service whenever the cart is
 * shown or checked out ({@link CartItem}).
 */
public record CartLine(String itemId, String productId, int quantity) {

    /** The most of one product a cart line may hold. */
    public static final int MAX_QUANTITY = 99;

    /** The most lines (different products) a cart may hold: what one order may reserve at stock. */
    public static final int MAX_LINES = 100;
}

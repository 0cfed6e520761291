package dev.kedai.cartorder;

/** An add that would take a cart line over {@link CartLine#MAX_QUANTITY}. */
final class CartLimitException extends RuntimeException {

    private final int current;

    CartLimitException(String productId, int current, int adding) {
        super("the line for product " + productId + " holds " + current + "; adding " + adding
                      + " would exceed " + CartLine.MAX_QUANTITY, null, false, false);
        this.current = current;
    }

    int current() {
        return current;
    }
}

package dev.kedai.cartorder;

/**
 * An add that would take a cart line over {@link CartLine#MAX_QUANTITY} or over what stock said
 * was available ({@code byAvailability}).
 */
final class CartLimitException extends RuntimeException {

    private final boolean byAvailability;

    CartLimitException(String productId, int current, int adding, int limit, boolean byAvailability) {
        super("the line for product " + productId + " holds " + current + "; adding " + adding
                      + " would exceed " + limit + (byAvailability ? " (available)" : ""), null, false, false);
        this.byAvailability = byAvailability;
    }

    /** True when the limit was the stock available, false when it was the 99 of a line. */
    boolean byAvailability() {
        return byAvailability;
    }
}

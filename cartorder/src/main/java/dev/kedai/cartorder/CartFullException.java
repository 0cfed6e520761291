package dev.kedai.cartorder;

/**
 * An add of a product the cart does not hold yet, to a cart that already holds {@link CartLine#MAX_LINES}
 * lines: more than one order may reserve, so its checkout could never succeed.
 */
final class CartFullException extends RuntimeException {

    CartFullException(int lines) {
        super("the cart holds " + lines + " different products, the most one order may have is "
                      + CartLine.MAX_LINES, null, false, false);
    }
}

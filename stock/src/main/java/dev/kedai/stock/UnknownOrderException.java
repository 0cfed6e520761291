package dev.kedai.stock;

/** Stock never reserved anything for this order id. */
public final class UnknownOrderException extends RuntimeException {
    public UnknownOrderException(String orderId) {
        super("no reservation for order " + orderId, null, false, false);
    }
}

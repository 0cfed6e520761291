package dev.kedai.stock;

/** Stock has no level for this product (it does not exist, or its ProductCreated is not consumed yet). */
public final class UnknownProductException extends RuntimeException {
    public UnknownProductException(String productId) {
        super("no stock for product " + productId, null, false, false);
    }
}

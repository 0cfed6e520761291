package dev.kedai.stock;

/**
 * The stock of one product. {@code available = onHand - reserved}, never negative.
 *
 * @param productId the product (owned by the product service; stock only keeps its id)
 * @param onHand    units in the warehouse
 * @param reserved  units held for orders not yet paid or committed
 * @param available units that can still be sold
 */
public record StockLevel(String productId, long onHand, long reserved, long available) {

    static StockLevel of(String productId, long onHand, long reserved) {
        return new StockLevel(productId, onHand, reserved, onHand - reserved);
    }
}

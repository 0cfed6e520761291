package dev.kedai.contracts;

import java.util.List;

/**
 * Kafka topics, one family per owning service. Record key = aggregate id; payload = a
 * protobuf message of {@code proto/}; the message's full name travels in {@code ce_type}.
 * A consumed topic {@code T} has a dead-letter topic {@code T.dlt}.
 */
public final class Topics {
    public static final String AUTH_USER = "kedai.auth.user.v1";
    public static final String USER_USER = "kedai.user.user.v1";
    public static final String PRODUCT = "kedai.product.product.v1";
    public static final String STOCK = "kedai.stock.stock.v1";
    public static final String ORDER = "kedai.cartorder.order.v1";
    public static final String CART_COMMANDS = "kedai.cartorder.cart-commands.v1";

    public static final String DEAD_LETTER_SUFFIX = ".dlt";

    /** Every topic, in creation order. */
    public static final List<String> ALL = List.of(AUTH_USER, USER_USER, PRODUCT, STOCK, ORDER, CART_COMMANDS);

    private Topics() {
    }

    public static String deadLetter(String topic) {
        return topic + DEAD_LETTER_SUFFIX;
    }
}

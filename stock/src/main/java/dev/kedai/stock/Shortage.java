package dev.kedai.stock;

/** A line that could not be reserved: how many were asked for and how many were left. */
public record Shortage(String productId, int requested, long available) {

    /** As Reserve answers it and ReservationLost carries it (available capped to the int32 field). */
    dev.kedai.proto.stock.v1.Shortage toProto() {
        return dev.kedai.proto.stock.v1.Shortage.newBuilder().setProductId(productId).setRequested(requested)
                .setAvailable((int) Math.min(Integer.MAX_VALUE, available)).build();
    }
}

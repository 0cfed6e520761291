package dev.kedai.cartorder;

/** Conversions between the service's records and protobuf messages. */
final class ProtoMapping {

    private ProtoMapping() {
    }

    static dev.kedai.proto.cartorder.v1.Cart cart(Cart cart) {
        var b = dev.kedai.proto.cartorder.v1.Cart.newBuilder().setTotal(cart.total().toProto());
        for (CartItem i : cart.items()) {
            var item = dev.kedai.proto.cartorder.v1.CartItem.newBuilder()
                    .setItemId(i.itemId())
                    .setProductId(i.productId())
                    .setQuantity(i.quantity())
                    .setAvailable(i.available());
            if (i.name() != null) {
                item.setName(i.name());
            }
            if (i.unitPrice() != null) {
                item.setUnitPrice(i.unitPrice().toProto()).setLineTotal(i.lineTotal().toProto());
            }
            b.addItems(item);
        }
        return b.build();
    }
}

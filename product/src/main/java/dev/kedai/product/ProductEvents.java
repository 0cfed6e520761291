package dev.kedai.product;

import java.time.Instant;

import dev.kedai.proto.product.v1.ProductCreated;
import dev.kedai.proto.product.v1.ProductDeleted;
import dev.kedai.proto.product.v1.ProductUpdated;

import static dev.kedai.platform.proto.ProtoTime.timestamp;

/** The protobuf events of topic {@code kedai.product.product.v1}, made from products. */
final class ProductEvents {

    private ProductEvents() {
    }

    static ProductCreated created(Product p, Instant at) {
        return ProductCreated.newBuilder()
                .setProductId(p.productId()).setSku(p.sku()).setName(p.name())
                .setPrice(p.price().toProto()).setCategory(p.category()).setOccurredAt(timestamp(at))
                .build();
    }

    static ProductUpdated updated(Product p, Instant at) {
        return ProductUpdated.newBuilder()
                .setProductId(p.productId()).setSku(p.sku()).setName(p.name())
                .setPrice(p.price().toProto()).setCategory(p.category()).setActive(p.active()).setOccurredAt(timestamp(at))
                .build();
    }

    static ProductDeleted deleted(String productId, Instant at) {
        return ProductDeleted.newBuilder().setProductId(productId).setOccurredAt(timestamp(at)).build();
    }
}

package dev.kedai.cartorder;

import java.time.Clock;

import dev.kedai.contracts.Topics;
import dev.kedai.platform.events.Outbox;
import dev.kedai.platform.money.Money;
import dev.kedai.proto.cartorder.v1.OrderCancelled;
import dev.kedai.proto.cartorder.v1.OrderPaid;
import dev.kedai.proto.cartorder.v1.OrderPlaced;
import io.helidon.dbclient.DbTransaction;

import static dev.kedai.platform.proto.ProtoTime.timestamp;

/** The order events (topic {@code kedai.cartorder.order.v1}, key = order id), written to the outbox in the caller's transaction. */
final class OrderEvents {

    private final Outbox outbox = new Outbox("kedai-cartorder");
    private final Clock clock;

    OrderEvents(Clock clock) {
        this.clock = clock;
    }

    void placed(DbTransaction tx, String userId, Order order) {
        OrderPlaced.Builder e = OrderPlaced.newBuilder()
                .setOrderId(order.orderId())
                .setUserId(userId)
                .setTotal(order.total().toProto())
                .setExpiresAt(timestamp(order.expiresAt()))
                .setOccurredAt(timestamp(clock.instant()));
        for (OrderLine l : order.items()) {
            e.addLines(dev.kedai.proto.cartorder.v1.OrderLine.newBuilder()
                               .setProductId(l.productId())
                               .setName(l.name())
                               .setUnitPrice(l.unitPrice().toProto())
                               .setQuantity(l.quantity()));
        }
        outbox.append(tx, Topics.ORDER, order.orderId(), e.build());
    }

    void paid(DbTransaction tx, String userId, String orderId, String paymentId, Money total) {
        outbox.append(tx, Topics.ORDER, orderId, OrderPaid.newBuilder()
                .setOrderId(orderId)
                .setUserId(userId)
                .setPaymentId(paymentId)
                .setTotal(total.toProto())
                .setOccurredAt(timestamp(clock.instant()))
                .build());
    }

    void cancelled(DbTransaction tx, String userId, String orderId, String reason) {
        outbox.append(tx, Topics.ORDER, orderId, OrderCancelled.newBuilder()
                .setOrderId(orderId)
                .setUserId(userId)
                .setReason(reason)
                .setOccurredAt(timestamp(clock.instant()))
                .build());
    }
}

package dev.kedai.stock;

import java.lang.System.Logger.Level;

import dev.kedai.contracts.Topics;
import dev.kedai.platform.events.EventConsumer;
import dev.kedai.proto.cartorder.v1.OrderCancelled;
import dev.kedai.proto.cartorder.v1.OrderPaid;
import dev.kedai.proto.product.v1.ProductCreated;
import io.helidon.common.config.Config;
import io.helidon.dbclient.DbClient;

/**
 * What stock does on other services' events, each in the consumer's transaction (idempotent by
 * {@code ce_id}): a new product gets a zero level; a paid order's reservation is committed (held
 * again first if it had ended, or reported lost); a cancelled order's reservation is released.
 */
final class StockConsumer {

    private static final System.Logger LOG = System.getLogger(StockConsumer.class.getName());

    private StockConsumer() {
    }

    static EventConsumer start(DbClient db, Config root, Warehouse warehouse, ReservationStore reservations) {
        return EventConsumer.builder(db, root)
                .topics(Topics.PRODUCT, Topics.ORDER)
                .handler(ProductCreated.getDefaultInstance(), (tx, event) ->
                        warehouse.productCreated(tx, event.parse(ProductCreated.parser()).getProductId()))
                .handler(OrderPaid.getDefaultInstance(), (tx, event) -> {
                    String orderId = event.parse(OrderPaid.parser()).getOrderId();
                    switch (reservations.sellPaid(tx, orderId)) {
                        case SOLD -> ReservationOutcomes.count(ReservationOutcomes.COMMITTED, 1);
                        case LOST -> {
                            ReservationOutcomes.count(ReservationOutcomes.LOST, 1);
                            LOG.log(Level.WARNING, "OrderPaid " + orderId + ": its reservation had ended and its units"
                                    + " are sold elsewhere; ReservationLost published (cartorder cancels and refunds)");
                        }
                        case ALREADY_SOLD -> { }
                    }
                })
                .handler(OrderCancelled.getDefaultInstance(), (tx, event) -> {
                    String orderId = event.parse(OrderCancelled.parser()).getOrderId();
                    try {
                        ReservationOutcomes.countIf(reservations.release(tx, orderId), ReservationOutcomes.RELEASED);
                    } catch (ReservationStateException e) {
                        LOG.log(Level.WARNING, "OrderCancelled " + orderId + " not released: " + e.getMessage());
                    }
                })
                .build()
                .start();
    }
}

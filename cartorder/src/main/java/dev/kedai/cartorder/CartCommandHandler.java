package dev.kedai.cartorder;

import java.lang.System.Logger.Level;
import java.util.Locale;

import dev.kedai.platform.events.ConsumedEvent;
import dev.kedai.platform.events.EventHandler;
import dev.kedai.platform.events.PoisonEventException;
import dev.kedai.proto.cartorder.v1.AddItemRequest;
import dev.kedai.proto.cartorder.v1.AddToCart;
import io.grpc.StatusRuntimeException;
import io.helidon.dbclient.DbTransaction;

/**
 * Applies AddToCart commands (topic {@code kedai.cartorder.cart-commands.v1}, stock's fallback when
 * cartorder could not be reached). Exactly once: the event consumer skips a redelivered
 * {@code ce_id}, and {@code cart_operations} skips an {@code operation_id} that was already
 * applied, whether by an earlier command or by the gRPC call that stock thought had failed.
 */
final class CartCommandHandler implements EventHandler {

    private static final System.Logger LOG = System.getLogger(CartCommandHandler.class.getName());

    private final CartStore store;

    CartCommandHandler(CartStore store) {
        this.store = store;
    }

    @Override
    public void handle(DbTransaction tx, ConsumedEvent event) {
        AddToCart command = event.parse(AddToCart.parser());
        try {
            CartGrpc.validate(AddItemRequest.newBuilder()
                                      .setOperationId(command.getOperationId())
                                      .setUserId(command.getUserId())
                                      .setProductId(command.getProductId())
                                      .setQuantity(command.getQuantity())
                                      .setMaxLineQuantity(command.getMaxLineQuantity())
                                      .build());
        } catch (StatusRuntimeException e) {
            throw new PoisonEventException("AddToCart " + event.id() + " is invalid: " + e.getStatus().getDescription(), e);
        }
        try {
            // in a transaction of its own (CartStore#add): exactly once all the same, by the operation id
            store.add(command.getOperationId(), command.getUserId(), command.getProductId().toLowerCase(Locale.ROOT),
                      command.getQuantity(), command.getMaxLineQuantity());
        } catch (CartLimitException | CartFullException e) {
            // more than a line or a cart may hold, or than stock had: nobody waits for an answer, so it is
            // dropped (its transaction rolled back: nothing of it stays in the cart)
            LOG.log(Level.INFO, "AddToCart " + command.getOperationId() + " not applied: " + e.getMessage());
        }
    }
}

package dev.kedai.stock;

import java.time.Instant;

import dev.kedai.contracts.Topics;
import dev.kedai.platform.db.Transactions;
import dev.kedai.platform.events.Outbox;
import dev.kedai.platform.events.OutboxRelay;
import dev.kedai.platform.proto.ProtoTime;
import dev.kedai.proto.cartorder.v1.AddToCart;

/**
 * The fallback of {@code /cart/add}: an AddToCart command on {@code kedai.cartorder.cart-commands.v1}
 * (key = user id, so one user's adds stay in order), written through the outbox so an accepted
 * command is never lost. cartorder applies it once per operation id.
 */
final class CartCommandSender {

    private final Transactions transactions;
    private final OutboxRelay relay;
    private final Outbox outbox = new Outbox("kedai-stock");

    CartCommandSender(Transactions transactions, OutboxRelay relay) {
        this.transactions = transactions;
        this.relay = relay;
    }

    void queue(String operationId, String userId, String productId, int quantity, int maxLineQuantity) {
        AddToCart command = AddToCart.newBuilder()
                .setOperationId(operationId).setUserId(userId).setProductId(productId).setQuantity(quantity)
                .setMaxLineQuantity(maxLineQuantity)
                .setRequestedAt(ProtoTime.timestamp(Instant.now()))
                .build();
        transactions.inTransaction(tx -> outbox.append(tx, Topics.CART_COMMANDS, userId, command));
        relay.wake();
    }
}

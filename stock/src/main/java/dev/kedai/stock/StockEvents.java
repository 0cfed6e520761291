package dev.kedai.stock;

import java.time.Clock;
import java.util.List;

import com.google.protobuf.Timestamp;
import dev.kedai.contracts.Topics;
import dev.kedai.platform.events.Outbox;
import dev.kedai.platform.proto.ProtoTime;
import dev.kedai.proto.stock.v1.ReservationCommitted;
import dev.kedai.proto.stock.v1.ReservationExpired;
import dev.kedai.proto.stock.v1.ReservationLost;
import dev.kedai.proto.stock.v1.StockChanged;
import io.helidon.dbclient.DbTransaction;

/** Appends stock's events ({@code kedai.stock.stock.v1}) to the outbox of the caller's transaction. */
final class StockEvents {

    private final Outbox outbox = new Outbox("kedai-stock");
    private final Clock clock = Clock.systemUTC();

    /** Key = product id, so the levels of one product arrive in order. */
    void changed(DbTransaction tx, StockLevel level) {
        outbox.append(tx, Topics.STOCK, level.productId(), StockChanged.newBuilder()
                .setProductId(level.productId()).setOnHand(level.onHand()).setReserved(level.reserved())
                .setAvailable(level.available()).setOccurredAt(now()).build());
    }

    void expired(DbTransaction tx, String orderId) {
        outbox.append(tx, Topics.STOCK, orderId,
                      ReservationExpired.newBuilder().setOrderId(orderId).setOccurredAt(now()).build());
    }

    void lost(DbTransaction tx, String orderId, List<Shortage> missing) {
        ReservationLost.Builder lost = ReservationLost.newBuilder().setOrderId(orderId).setOccurredAt(now());
        missing.forEach(m -> lost.addLines(m.toProto()));
        outbox.append(tx, Topics.STOCK, orderId, lost.build());
    }

    void committed(DbTransaction tx, String orderId) {
        outbox.append(tx, Topics.STOCK, orderId,
                      ReservationCommitted.newBuilder().setOrderId(orderId).setOccurredAt(now()).build());
    }

    private Timestamp now() {
        return ProtoTime.timestamp(clock.instant());
    }
}

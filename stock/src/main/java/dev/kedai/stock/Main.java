package dev.kedai.stock;

import java.time.Duration;
import java.util.List;

import dev.kedai.platform.db.RetentionPurge;
import dev.kedai.platform.events.EventConsumer;
import dev.kedai.platform.grpc.GrpcChannels;
import dev.kedai.platform.money.Money;
import dev.kedai.platform.server.Backbone;
import dev.kedai.platform.server.KedaiConfig;
import dev.kedai.platform.server.KedaiServer;
import dev.kedai.proto.cartorder.v1.CartServiceGrpc;
import dev.kedai.proto.product.v1.ProductServiceGrpc;
import io.helidon.config.Config;

/** The stock service: on-hand levels and reservations (Service A of the original design). */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        start(KedaiConfig.load());
    }

    /**
     * Migrates the schema, then starts HTTP, admin and gRPC as configured; tests call this too.
     * The clients made here connect lazily, so only the migration can fail before the server
     * exists, and a server that fails to start closes every {@code onStop} resource itself.
     */
    public static KedaiServer start(Config config) {
        Backbone base = Backbone.start(config);
        ReservationOutcomes.register();
        StockStore store = new StockStore(base.db(), base.copies());
        StockEvents events = new StockEvents();
        ReservationStore reservations = new ReservationStore(store, events);
        Warehouse warehouse = new Warehouse(base.transactions(), store, reservations, events, base.relay());
        // the loops work on the background pool: no burst of requests can hold their connections
        Warehouse backgroundWarehouse = new Warehouse(base.backgroundTransactions(), store, reservations, events, base.relay());
        Config stock = config.get("stock");
        Duration ttl = stock.get("reservation.ttl").as(Duration.class).orElse(Duration.ofMinutes(15));
        ReservationSweeper sweeper = new ReservationSweeper(backgroundWarehouse,
                stock.get("reservation.sweep-interval").as(Duration.class).orElse(Duration.ofSeconds(5))).start();
        RetentionPurge purge = RetentionPurge.create(base.backgroundDb(), config, List.of(ReservationStore.RETENTION)).start();
        EventConsumer consumer = StockConsumer.start(base.backgroundDb(), config, backgroundWarehouse, reservations);
        GrpcChannels peers = GrpcChannels.create(config);
        CartAddHttp cartAdd = new CartAddHttp(
                new LevelSnapshots(store, stock.get("cart-add.level-max-age").as(Duration.class).orElse(Duration.ofSeconds(1))),
                new ProductClient(peers.peer("product", ProductServiceGrpc::newBlockingStub), base.copies(),
                        stock.get("product-cache.max-bytes").asLong().orElse(16L << 20)),
                new CartClient(peers.peer("cartorder", CartServiceGrpc::newBlockingStub)),
                new CartCommandSender(base.transactions(), base.relay()),
                Money.defaultCurrency(config));
        return base.server("stock")
                .filter(base.authentication())
                .routing(rules -> rules.register("/stock", new StockHttp(store, warehouse))
                        .register("/cart", cartAdd)
                        .register("/order", new OrderStockHttp(warehouse)))
                .grpc(StockGrpc.CALLERS, new StockGrpc(store, warehouse, ttl))
                .onStop(peers)
                .onStop(consumer)
                .onStop(sweeper)
                .onStop(purge)
                .build()
                .start();
    }
}

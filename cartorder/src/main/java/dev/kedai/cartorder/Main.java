package dev.kedai.cartorder;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import dev.kedai.contracts.Topics;
import dev.kedai.platform.db.RetentionPurge;
import dev.kedai.platform.events.EventConsumer;
import dev.kedai.platform.grpc.GrpcChannels;
import dev.kedai.platform.money.Money;
import dev.kedai.platform.server.Admission;
import dev.kedai.platform.server.Backbone;
import dev.kedai.platform.server.InstanceName;
import dev.kedai.platform.server.KedaiConfig;
import dev.kedai.platform.server.KedaiServer;
import dev.kedai.proto.cartorder.v1.AddToCart;
import dev.kedai.proto.product.v1.ProductServiceGrpc;
import dev.kedai.proto.stock.v1.ReservationCommitted;
import dev.kedai.proto.stock.v1.ReservationExpired;
import dev.kedai.proto.stock.v1.ReservationLost;
import dev.kedai.proto.stock.v1.StockServiceGrpc;
import dev.kedai.proto.user.v1.UserServiceGrpc;
import io.helidon.config.Config;
import io.helidon.dbclient.DbClient;

/** The cartorder service: carts, orders and payments (Service B of the original design). */
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
     * Payments go through the sandbox provider, which keeps its ledger in the file
     * {@code payment.sandbox.ledger} when that is set (so it outlives this process, as a real
     * provider would), else in memory.
     */
    public static KedaiServer start(Config config) {
        SandboxPaymentGateway sandbox = config.get("payment.sandbox.ledger").asString()
                .filter(file -> !file.isBlank())
                .map(file -> new SandboxPaymentGateway(java.nio.file.Path.of(file)))
                .orElseGet(SandboxPaymentGateway::new);
        return start(config, sandbox, orderId -> { });
    }

    static KedaiServer start(Config config, PaymentGateway gateway, Checkout.AfterReserve afterReserve) {
        Clock clock = Clock.systemUTC();
        Backbone base = Backbone.start(config);
        OrderCounters.register();
        DbClient db = base.db();
        GrpcChannels peers = GrpcChannels.create(config);

        String currency = Money.defaultCurrency(config);
        ProductClient products = new ProductClient(peers.peer("product", ProductServiceGrpc::newBlockingStub), currency);
        StockClient stock = new StockClient(peers.peer("stock", StockServiceGrpc::newBlockingStub));
        UserClient users = new UserClient(peers.peer("user", UserServiceGrpc::newBlockingStub));
        OrderEvents events = new OrderEvents(clock);
        CartStore cartStore = new CartStore(db, base.transactions());
        Carts carts = new Carts(cartStore, products, currency);
        Checkout.CheckoutSettings settings = Checkout.CheckoutSettings.from(config);
        String instance = InstanceName.of(config);
        Checkout checkout = new Checkout(db, base.transactions(), new IdempotencyKeys(db, settings.keyLease(), instance),
                                         new CheckoutGuard(db, settings.keyLease(), instance), users, products, stock, events, clock, settings, afterReserve);
        checkout.endLeasesOfPreviousProcess();
        Duration inFlightWindow = config.get("payment.in-flight-window").as(Duration.class).orElse(Duration.ofSeconds(30));
        Duration reservationHold = config.get("payment.reservation-hold").as(Duration.class).orElse(Duration.ofMinutes(10));
        PaymentStore attempts = new PaymentStore(db, inFlightWindow);
        Payments payments = new Payments(db, base.transactions(), attempts, gateway, events, clock, stock,
                reservationHold, inFlightWindow);
        OrderLifecycle lifecycle = new OrderLifecycle(db, base.transactions(), attempts, payments, events, stock, clock);
        OrderStore orders = new OrderStore(db);

        // the loops work on the background pool: no burst of requests can hold their connections
        DbClient background = base.backgroundDb();
        PaymentStore loopAttempts = new PaymentStore(background, inFlightWindow);
        Payments loopPayments = new Payments(background, base.backgroundTransactions(), loopAttempts, gateway, events,
                clock, stock, reservationHold, inFlightWindow);
        // the abandoned checkouts' releases too: on the request pool they failed whenever a burst held it (fault suite)
        Checkout loopCheckout = new Checkout(background, base.backgroundTransactions(), new IdempotencyKeys(background, settings.keyLease(), instance),
                new CheckoutGuard(background, settings.keyLease(), instance), users, products, stock, events, clock, settings, afterReserve);
        OrderReconciler reconciler = new OrderReconciler(loopAttempts, loopPayments, new OrderStore(background),
                new OrderLifecycle(background, base.backgroundTransactions(), loopAttempts, loopPayments, events, stock, clock),
                loopCheckout,
                config.get("payment.reconcile-interval").as(Duration.class).orElse(Duration.ofSeconds(10)),
                config.get("checkout.release-interval").as(Duration.class).orElse(Duration.ofSeconds(1))).start();
        RetentionPurge purge = RetentionPurge.create(background, config, List.of(IdempotencyKeys.RETENTION, CartStore.RETENTION,
                                                                                 PaymentStore.RETENTION, CheckoutGuard.RETENTION)).start();

        EventConsumer consumer = EventConsumer.builder(background, config)
                .topics(Topics.CART_COMMANDS, Topics.STOCK)
                .handler(AddToCart.getDefaultInstance(),
                         new CartCommandHandler(new CartStore(background, base.backgroundTransactions())))
                .handler(ReservationExpired.getDefaultInstance(), lifecycle::onReservationExpired)
                .handler(ReservationCommitted.getDefaultInstance(), lifecycle::onReservationCommitted)
                .handler(ReservationLost.getDefaultInstance(), lifecycle::onReservationLost)
                .build()
                .start();

        Admission admission = Admission.create(config);
        return base.server("cartorder")
                .filter(base.authentication())
                .routing(rules -> rules.register("/cart", new CartHttp(carts))
                        .register("/order", new OrderHttp(orders, checkout, payments, lifecycle, admission)))
                .grpc(CartGrpc.CALLERS, new CartGrpc(carts, admission))
                .onStop(peers)
                .onStop(consumer)
                .onStop(reconciler)
                .onStop(purge)
                .build()
                .start();
    }
}

package dev.kedai.cartorder;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.kedai.platform.db.Transactions;
import dev.kedai.platform.health.SupervisedLoop;
import dev.kedai.platform.http.Problem;
import dev.kedai.platform.http.ProblemException;
import dev.kedai.platform.money.Money;
import dev.kedai.platform.security.Caller;
import io.helidon.dbclient.DbClient;
import io.helidon.faulttolerance.CircuitBreakerOpenException;

/**
 * {@code POST /order}, the checkout saga, for a request {@link OrderHttp} has read and validated:
 * <ol>
 * <li>claim the (user, Idempotency-Key) — a replay answers with the order already made, a
 *     request still running is waited for (up to {@code checkout.in-flight-wait}) then 409, another
 *     body is 422;</li>
 * <li>claim the user's cart ({@link CheckoutGuard}) — while another checkout of it runs, under any
 *     key, 409 "checkout in progress", and the key is kept: retried once that checkout made its order,
 *     it is 400 "cart checked out" (one cart, one order, even when adds landed in the cart since);</li>
 * <li>check the address (user gRPC), read the cart, snapshot names and prices
 *     (product gRPC) — an unavailable product is 409;</li>
 * <li>record that stock is about to reserve for the order id ({@link CheckoutReservations}, its own
 *     statement), then reserve every line with stock (gRPC, all or none, under the order id, for the
 *     order's TTL plus a grace) — a shortage is 409 naming the short lines;</li>
 * <li>in ONE transaction: the cart's claim given up (refused when its lease ran out and another
 *     checkout took it over), that record deleted (refused when the reconciler already gave the
 *     reservation back), the PENDING_PAYMENT order with {@code expires_at}, the ordered cart
 *     lines removed, the OrderPlaced outbox row, the key marked done.</li>
 * </ol>
 * If anything fails after Reserve was sent and the order was not stored, the reservation is
 * released in the background and the key forgotten, so a retry starts afresh. If the process died
 * there (or the Release failed), the record outlives it: the order reconciler releases the
 * reservation and forgets the key once the record is older than {@code checkout.abandoned-after}
 * ({@link #releaseAbandoned}).
 */
final class Checkout {

    private static final System.Logger LOG = System.getLogger(Checkout.class.getName());
    // a retry waiting for its key's checkout looks again after 50 ms, doubling to 400 ms: under
    // overload, waiters polling every 50 ms were a good part of what kept the pool empty
    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration MAX_POLL = Duration.ofMillis(400);
    private static final Duration GIVE_UP_BACKOFF = Duration.ofMillis(100);
    private static final Duration GIVE_UP_MAX_BACKOFF = Duration.ofSeconds(2);

    /** Test seam: runs after stock reserved and before the order is stored (a crash there). */
    interface AfterReserve {
        void run(String orderId);

        /** Runs each time a request finds its key's checkout still running and waits for it. */
        default void waitingForInFlight(String userId, String key) {
        }
    }

    /**
     * What the client asked for: {@code POST /order}'s body.
     *
     * @param addressId the delivery address (a UUID in lower case), or null for none
     */
    record Request(String addressId) {
    }

    /** The order and whether it was made by an earlier request with the same key. */
    record Placed(Order order, boolean replayed) {
    }

    private final DbClient db;
    private final Transactions transactions;
    private final IdempotencyKeys keys;
    private final CheckoutGuard guard;
    private final UserClient users;
    private final ProductClient products;
    private final StockClient stock;
    private final OrderEvents events;
    private final Clock clock;
    private final Duration orderTtl;
    private final Duration reservationGrace;
    private final Duration inFlightWait;
    private final Duration keyLease;
    private final AfterReserve afterReserve;
    private final CheckoutReservations reserving;

    Checkout(DbClient db, Transactions transactions, IdempotencyKeys keys, CheckoutGuard guard, UserClient users, ProductClient products,
             StockClient stock, OrderEvents events, Clock clock, CheckoutSettings settings, AfterReserve afterReserve) {
        this.reserving = new CheckoutReservations(db, settings.abandonedAfter());
        this.db = db;
        this.transactions = transactions;
        this.keys = keys;
        this.guard = guard;
        this.users = users;
        this.products = products;
        this.stock = stock;
        this.events = events;
        this.clock = clock;
        this.orderTtl = settings.orderTtl();
        this.reservationGrace = settings.reservationGrace();
        this.inFlightWait = settings.inFlightWait();
        this.keyLease = settings.keyLease();
        this.afterReserve = afterReserve;
    }

    /**
     * Config {@code checkout.*}: order-ttl (PT15M), reservation-grace (PT1M), in-flight-wait (PT3S), key-lease (PT30S),
     * abandoned-after (PT30S: a checkout that has not stored its order this long after its Reserve never will).
     */
    record CheckoutSettings(Duration orderTtl, Duration reservationGrace, Duration inFlightWait, Duration keyLease,
                            Duration abandonedAfter) {
        static CheckoutSettings from(io.helidon.config.Config config) {
            var c = config.get("checkout");
            return new CheckoutSettings(c.get("order-ttl").as(Duration.class).orElse(Duration.ofMinutes(15)),
                                        c.get("reservation-grace").as(Duration.class).orElse(Duration.ofMinutes(1)),
                                        c.get("in-flight-wait").as(Duration.class).orElse(Duration.ofSeconds(3)),
                                        c.get("key-lease").as(Duration.class).orElse(Duration.ofSeconds(30)),
                                        c.get("abandoned-after").as(Duration.class).orElse(Duration.ofSeconds(30)));
        }
    }

    /**
     * @param key      the Idempotency-Key, already checked for presence and shape
     * @param bodyHash the fingerprint of the body ({@link RequestHash}): the same key with another is 422
     */
    Placed place(Caller caller, String key, String bodyHash, Request request) {
        String userId = caller.userId();
        Instant giveUp = clock.instant().plus(inFlightWait);
        for (int polls = 1; ; polls++) {
            IdempotencyKeys.Claim claim = keys.claim(userId, key, bodyHash);
            switch (claim) {
                case IdempotencyKeys.Mismatch m -> throw reusedKey();
                case IdempotencyKeys.Replay r -> {
                    return new Placed(OrderStore.find(db.execute(), userId, r.orderId()).orElseThrow(), true);
                }
                case IdempotencyKeys.Claimed c -> {
                    return new Placed(checkout(userId, key, c, request), false);
                }
                case IdempotencyKeys.InFlight f -> {
                    if (clock.instant().isAfter(giveUp)) {
                        throw ProblemException.conflict("a request with this Idempotency-Key is still being processed");
                    }
                    afterReserve.waitingForInFlight(userId, key);
                    pause(polls);
                }
            }
        }
    }

    /**
     * The checkout of a claimed key. Every way out but a refusal recorded on the key (its
     * {@code lost_to}: the retries are answered from it) gives the key and the cart's claim back,
     * also when the database fails in the claim's own bookkeeping: a failure there (the pool lent
     * no connection) used to leave the key and the cart held for their whole lease, so the client's
     * retries were 409 for 30 s (fault suite, errors after the warm-up).
     */
    private Order checkout(String userId, String key, IdempotencyKeys.Claimed c, Request request) {
        boolean keyKept = false;
        boolean cartClaimed = false;
        try {
            Optional<ProblemException> spent = spent(userId, c);
            if (spent.isEmpty()) {
                Optional<String> holder = guard.claim(userId, c.orderId());
                if (holder.isPresent()) {
                    keys.lostTo(userId, key, c.orderId(), holder.get());
                    keyKept = true;
                    throw checkoutInProgress();
                }
                cartClaimed = true;
                // the checkout this key lost to may have stored its order between the look and the claim
                spent = spent(userId, c);
            }
            if (spent.isPresent()) {
                keys.lostTo(userId, key, c.orderId(), c.lostTo());
                keyKept = true;
                throw spent.get();
            }
            return run(userId, key, c.orderId(), request);
        } catch (RuntimeException e) {
            giveUp(userId, keyKept ? null : key, cartClaimed, c.orderId());
            throw e;
        }
    }

    /**
     * 422 when the key was used with another body: a request that does not even validate is refused
     * for its key first, as a valid one would be (the client reused a key by mistake).
     */
    void refuseReusedKey(Caller caller, String key, String bodyHash) {
        if (keys.usedWithOtherBody(caller.userId(), key, bodyHash)) {
            throw reusedKey();
        }
    }

    /**
     * Gives the key and the cart's claim back after a failed checkout, so the client's retry (same
     * key) and the customer's next checkout start at once. When that fails too — typically for the
     * reason the checkout failed: the request pool lent no connection in time, or the database is
     * away — it is tried again in the background ({@link #GIVE_UP_BACKOFF} doubling to
     * {@link #GIVE_UP_MAX_BACKOFF}) until it works or the key's lease ran out, which frees both
     * anyway. Before, a failed forget left the key IN_FLIGHT for its whole lease (30 s): every retry
     * of the same key waited the in-flight wait and was told 409 "still being processed", and the
     * customer's next checkout 409 "checkout in progress" (fault suite, errors outside the windows).
     *
     * @param key  null when the key keeps its refusal ({@code lost_to})
     * @param cart whether this checkout holds the cart's claim
     */
    private void giveUp(String userId, String key, boolean cart, String orderId) {
        if (key == null && !cart) {
            return;
        }
        // each on its own: the key frees the client's retry even when the cart's row is the one that is stuck
        Runnable giveBack = () -> {
            RuntimeException failed = null;
            if (key != null) {
                try {
                    keys.forget(userId, key, orderId);
                } catch (RuntimeException e) {
                    failed = e;
                }
            }
            if (cart) {
                CheckoutGuard.release(db.execute(), userId, orderId);
            }
            if (failed != null) {
                throw failed;
            }
        };
        try {
            giveBack.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.INFO, "giving the key and cart of failed checkout " + orderId + " back failed ("
                    + e + "); trying again in the background");
            long until = System.nanoTime() + keyLease.toNanos();
            Thread.ofVirtual().name("give-up-" + orderId).start(() -> {
                for (int attempt = 1; System.nanoTime() < until; attempt++) {
                    try {
                        Thread.sleep(SupervisedLoop.backoff(GIVE_UP_BACKOFF, GIVE_UP_MAX_BACKOFF, attempt));
                        giveBack.run();
                        return;
                    } catch (InterruptedException stopping) {
                        return;
                    } catch (RuntimeException again) {
                        // still no connection: the next attempt, or the lease frees them
                    }
                }
            });
        }
    }

    /**
     * A key refused earlier because another checkout of the cart ran is spent once that checkout made
     * its order: 400, whatever is in the cart now (a double submit makes one order, also when its
     * second request is retried after late adds landed). Returns that 400, or empty.
     */
    private Optional<ProblemException> spent(String userId, IdempotencyKeys.Claimed c) {
        if (c.lostTo() == null || OrderStore.find(db.execute(), userId, c.lostTo()).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ProblemException(Problem.of(400, "your cart was checked out as order " + c.lostTo()
                                                                + " while this request waited; it ordered nothing (a new"
                                                                + " order needs a new Idempotency-Key)")
                                                        .typed("https://kedai.dev/problems/cart-checked-out", "Cart checked out")
                                                        .with("order_id", c.lostTo())));
    }

    private static ProblemException checkoutInProgress() {
        return new ProblemException(Problem.of(409, "another checkout of your cart is still running; retry once it"
                                                    + " finished (then your cart is empty and the order is in GET /order)")
                                            .typed("https://kedai.dev/problems/checkout-in-progress",
                                                   "Checkout in progress"));
    }

    private static ProblemException reusedKey() {
        return ProblemException.unprocessable("this Idempotency-Key was used with another body");
    }

    private Order run(String userId, String key, String orderId, Request request) {
        String addressId = request.addressId();
        if (addressId != null && !users.belongsTo(userId, addressId)) {
            throw ProblemException.notFound("address " + addressId + " is not one of yours");
        }
        List<CartLine> cart = CartStore.lines(db.execute(), userId);
        if (cart.isEmpty()) {
            throw ProblemException.badRequest("the cart is empty");
        }
        if (cart.size() > CartLine.MAX_LINES) {
            // a cart filled before the limit: stock would refuse the order's reservation
            throw new ProblemException(Problem.of(409, "the cart holds " + cart.size() + " different products; one order"
                                                       + " may have at most " + CartLine.MAX_LINES + ": remove some")
                                               .typed("https://kedai.dev/problems/cart-full", "Cart full")
                                               .with("max_lines", CartLine.MAX_LINES));
        }
        Map<String, ProductSnapshot> snapshots = products.products(cart.stream().map(CartLine::productId).toList());
        List<String> unavailable = cart.stream().map(CartLine::productId)
                .filter(id -> snapshots.get(id) == null || !snapshots.get(id).active())
                .toList();
        if (!unavailable.isEmpty()) {
            throw new ProblemException(Problem.of(409, "some products in the cart are no longer sold")
                                               .with("unavailable", unavailable));
        }
        List<OrderLine> lines = new ArrayList<>(cart.size());
        long total = 0;
        String currency = null;   // set by the first line: the cart is not empty
        for (CartLine l : cart) {
            ProductSnapshot p = snapshots.get(l.productId());
            Money lineTotal = p.price().times(l.quantity());
            lines.add(new OrderLine(l.productId(), p.name(), p.price(), l.quantity(), lineTotal));
            total += lineTotal.amount();
            currency = p.price().currency();
        }
        // stored in milliseconds: the answer shows what GET /order will
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        Order order = new Order(orderId, "PENDING_PAYMENT", lines, new Money(total, currency), addressId,
                                now, now.plus(orderTtl), null);
        return reserveAndStore(userId, key, order, cart);
    }

    private Order reserveAndStore(String userId, String key, Order placed, List<CartLine> cart) {
        StockClient.Reservation reservation;
        Order order = placed;
        // durable before the Reserve: if this process dies before the order is stored, the reconciler gives the units back
        reserving.begin(order.orderId(), userId, key);
        try {
            reservation = stock.reserve(order.orderId(),
                                        cart.stream().map(l -> new StockClient.Wanted(l.productId(), l.quantity())).toList(),
                                        orderTtl.plus(reservationGrace));
        } catch (CircuitBreakerOpenException e) {
            reserving.nothingReserved(order.orderId());
            throw e;   // nothing was sent to stock
        } catch (RuntimeException e) {
            // a deadline or a lost answer: stock may have reserved, so give it back
            releaseUnlessStored(order.orderId());
            throw e;
        }
        if (!reservation.reserved()) {
            reserving.nothingReserved(order.orderId());
            throw new ProblemException(Problem.of(409, "not enough stock for some lines")
                                               .typed("https://kedai.dev/problems/insufficient-stock", "Insufficient stock")
                                               .with("short", reservation.shortages()));
        }
        if (reservation.expiresAt() != null && reservation.expiresAt().minus(reservationGrace).isBefore(order.expiresAt())) {
            // a retry that took over an abandoned key reuses the reservation made then: the order expires with it
            order = order.expiringAt(reservation.expiresAt().minus(reservationGrace).truncatedTo(ChronoUnit.MILLIS));
        }
        try {
            afterReserve.run(order.orderId());
            store(userId, key, order, cart);
        } catch (RuntimeException | Error e) {
            releaseUnlessStored(order.orderId());
            throw e;
        }
        return order;
    }

    private void store(String userId, String key, Order order, List<CartLine> cart) {
        transactions.inTransaction(tx -> {
            CheckoutGuard.releaseStoring(tx, userId, order.orderId());
            CheckoutReservations.stored(tx, order.orderId());
            OrderStore.insert(tx, userId, order);
            CartStore.removeOrdered(tx, userId, cart);
            events.placed(tx, userId, order);
            IdempotencyKeys.done(tx, userId, key, order.orderId());
            return order;
        });
        OrderCounters.placed();
    }

    /**
     * Run once at start, before the server takes a request: the keys and carts this instance's
     * previous process held (killed or stopped mid-checkout) are given up at once, so the client's
     * retry with its key and the customer's next checkout go ahead now rather than after the lease
     * ({@code checkout.key-lease}). A retry carries on with the key's order id, which stock answers
     * with the reservation it already made; a reservation nobody retries is the reconciler's
     * ({@link #releaseAbandoned}). Best effort: with the database away the leases run out by themselves.
     */
    void endLeasesOfPreviousProcess() {
        try {
            long keysEnded = keys.endLeasesOfPreviousProcess();
            long cartsEnded = guard.endLeasesOfPreviousProcess();
            if (keysEnded + cartsEnded > 0) {
                LOG.log(System.Logger.Level.INFO, "ended the leases of " + keysEnded + " Idempotency-Keys and " + cartsEnded
                        + " carts this instance's previous process held mid-checkout");
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.INFO, "could not end the leases of this instance's previous process (" + e
                    + "); they run out by themselves");
        }
    }

    /**
     * Gives back what checkouts that never stored their order reserved (their process died between
     * the Reserve and the store, or their own Release failed): the order reconciler's step. Each is
     * fenced first, so its checkout, should it still be running, can no longer store the order;
     * then stock releases the units (a tombstone refuses a Reserve still on its way), the key and
     * the cart's claim are given up (a retry starts afresh) and the record goes. A step that fails
     * leaves the record for the next round.
     */
    void releaseAbandoned(int limit) {
        for (CheckoutReservations.Abandoned a : reserving.abandoned(limit)) {
            if (!reserving.releasing(a.orderId())) {
                continue;
            }
            if (!stock.releaseAbandoned(a.orderId())) {
                reserving.retryLater(a);   // stock away: tried again after a short backoff, the next ones meanwhile
                continue;
            }
            keys.forget(a.userId(), a.key(), a.orderId());
            CheckoutGuard.release(db.execute(), a.userId(), a.orderId());
            reserving.released(a.orderId());
            LOG.log(System.Logger.Level.INFO, "released the reservation of checkout " + a.orderId()
                    + ", which never stored its order");
        }
    }

    /**
     * A checkout that failed after its Reserve was sent gives the units back at once, in the
     * background: fenced first (a commit whose answer was lost may have stored the order, whose
     * stock must stay), asked again while the database cannot answer — it used to read "stored?"
     * once and, when the pool lent no connection (the usual reason the checkout failed), leave the
     * units to the reconciler's {@code abandoned-after} and its rounds: held past the fault suite's
     * 60 s for orders nobody made.
     */
    private void releaseUnlessStored(String orderId) {
        stock.releaseInBackground(orderId, () -> reserving.fence(orderId), () -> reserving.released(orderId));
    }

    private static void pause(int polls) {
        try {
            Thread.sleep(SupervisedLoop.backoff(POLL, MAX_POLL, polls));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ProblemException.conflict("a request with this Idempotency-Key is still being processed");
        }
    }
}

package dev.kedai.faults;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import dev.kedai.bench.CheckoutClient;
import dev.kedai.bench.CheckoutClient.Answer;
import dev.kedai.bench.CheckoutClient.Exchange;
import dev.kedai.bench.OpenLoop;

/**
 * The checkout journey at a steady rate through the edge, as the suite's customers run it
 * ({@link OpenLoop} schedule, {@link CheckoutClient} with a real client's bounded retries). Each
 * arrival takes an idle customer (each logged in once; one journey per customer at a time, since
 * a customer has one cart) and plays one of:
 * <ul>
 *   <li>buy (70 %): 1–2 lines added, {@code POST /order}, pay with an approving token;</li>
 *   <li>decline then pay (8 %): {@code tok_decline} (402), then an approving token;</li>
 *   <li>timeout then cancel (5 %): {@code tok_timeout} (504, no charge), then cancel;</li>
 *   <li>cancel (8 %): order, then cancel before paying;</li>
 *   <li>double submit (9 %): two {@code POST /order} at once with fresh keys (two tabs), then pay
 *       what the client got.</li>
 * </ul>
 * Everything the client saw is kept with its time: every exchange that was not the answer the
 * step expects (an error), every pay answered 200, every order a double submit created.
 */
final class CheckoutLoad implements AutoCloseable {

    /** The retry policy of the suite's client: 4 sends, 250 ms doubling, 4 s per send. */
    static final CheckoutClient.Retry RETRY = new CheckoutClient.Retry(4, Duration.ofMillis(250), Duration.ofSeconds(4));

    /** An exchange that was not what its step expects, as the client saw it. */
    record ClientError(long at, String step, int status, String failure, boolean explained, String body) {
        String what() {
            return step + " " + (status == 0 ? failure : Integer.toString(status));
        }
    }

    /** A journey that ended; {@code clean} when none of its exchanges was an error. */
    record Journey(String kind, long start, long end, boolean completed, boolean clean) {
    }

    /** How long one exchange took ({@link System#nanoTime()}), for what a fault costs in latency. */
    record Timing(String step, long start, long end, int status) {
    }

    /** A double submit: the orders its two POST /order created. */
    record DoubleSubmit(long at, String user, List<Integer> statuses, List<String> orders) {
    }

    private final CheckoutClient client;
    private final List<String> products;
    private final ConcurrentLinkedQueue<Customer> idle = new ConcurrentLinkedQueue<>();
    private final java.util.Queue<ClientError> errors = new ConcurrentLinkedQueue<>();
    private final java.util.Queue<Journey> journeys = new ConcurrentLinkedQueue<>();
    private final java.util.Queue<Long> arrivals = new ConcurrentLinkedQueue<>();
    private final java.util.Queue<Timing> timings = new ConcurrentLinkedQueue<>();
    private final Map<String, Long> paid = new ConcurrentHashMap<>();
    private final List<DoubleSubmit> doubleSubmits = new CopyOnWriteArrayList<>();
    private final Map<String, String> ordersPlaced = new ConcurrentHashMap<>();
    private final AtomicLong noIdleCustomer = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final OpenLoop loop;
    private Future<?> scheduler;

    private static final String PASSWORD = "faults-password-1";
    /** A token this close to its expiry is refreshed before a journey, as an app does. */
    private static final Duration REFRESH_AHEAD = Duration.ofMinutes(2);
    /**
     * How long a journey waits for its queued adds (202) to reach the cart, and how often it looks:
     * first after 250 ms, then twice as long each time up to 2 s, as a page polls — a fixed 250 ms
     * from every waiting customer was a flood of {@code GET /cart} on the instance just restarted.
     */
    private static final Duration QUEUED_ADD_WAIT = Duration.ofSeconds(10);
    private static final Duration QUEUED_ADD_POLL = Duration.ofMillis(250);
    private static final Duration QUEUED_ADD_POLL_MAX = Duration.ofSeconds(2);

    /** One customer: credentials and current tokens. */
    private static final class Customer {
        final String email;
        volatile CheckoutClient.Tokens tokens;
        volatile String token;

        Customer(String email, CheckoutClient.Tokens tokens) {
            this.email = email;
            use(tokens);
        }

        void use(CheckoutClient.Tokens fresh) {
            tokens = fresh;
            token = fresh.access();
        }
    }

    private static final ThreadLocal<Journeying> CURRENT = new ThreadLocal<>();

    /** The journey running on this thread: what its steps expect, whether it saw an error. */
    private static final class Journeying {
        final Map<String, int[]> expected = new ConcurrentHashMap<>();
        volatile boolean erred;
    }

    CheckoutLoad(URI edge, List<String> products, double rate) {
        this.client = new CheckoutClient(CheckoutClient.Endpoints.edge(edge), RETRY, this::observe);
        this.products = List.copyOf(products);
        this.loop = new OpenLoop(rate, 2_000);
    }

    /** Registers and logs in {@code count} customers, a few at a time (auth hashes with Argon2). */
    void login(int count, int parallel) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<Future<Customer>> logins = new ArrayList<>();
        java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(parallel);
        for (int i = 0; i < count; i++) {
            String email = "faults-" + run + "-" + i + "@example.com";
            logins.add(executor.submit(() -> {
                slots.acquire();
                try {
                    client.register(email, PASSWORD, "Fault Suite");
                    return new Customer(email, client.login(email, PASSWORD));
                } finally {
                    slots.release();
                }
            }));
        }
        for (Future<Customer> login : logins) {
            idle.add(login.get());
        }
    }

    /** Starts the arrivals; they run until {@link #stop()}. */
    void start() {
        ExecutorService single = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("checkout-load").factory());
        scheduler = single.submit(() -> loop.run(Long.MAX_VALUE, executor, (slot, due) -> this::journey,
                slot -> dropped.incrementAndGet(), stop::get));
        single.shutdown();
    }

    /** Stops the arrivals and waits (at most {@code patience}) for the journeys in flight. */
    void stop(Duration patience) throws InterruptedException {
        stop.set(true);
        loop.awaitIdle(patience);
    }

    /** Journeys offered per second now. */
    double rate() {
        return loop.rate();
    }

    /** Offers {@code journeysPerSecond} from the next arrival on. */
    void rate(double journeysPerSecond) {
        loop.rate(journeysPerSecond);
    }

    /** In the order they were seen. */
    java.util.Collection<ClientError> errors() {
        return errors;
    }

    /** Every exchange of a journey, retries included, in the order they ended. */
    java.util.Collection<Timing> timings() {
        return timings;
    }

    /** Journeys that started in [from, to) (arrivals that found every customer busy do not count). */
    long arrivals(long from, long to) {
        return arrivals.stream().filter(t -> t >= from && t < to).count();
    }

    /** In the order they ended. */
    java.util.Collection<Journey> journeys() {
        return journeys;
    }

    /** Order id → when its pay answered 200 ({@link System#nanoTime()}). */
    Map<String, Long> paid() {
        return paid;
    }

    /** Order id → the user who placed it, for every 201 the client saw. */
    Map<String, String> ordersPlaced() {
        return ordersPlaced;
    }

    List<DoubleSubmit> doubleSubmits() {
        return doubleSubmits;
    }

    /** Arrivals skipped because every customer was busy in a journey (the offered rate was not met). */
    long noIdleCustomer() {
        return noIdleCustomer.get() + dropped.get();
    }

    private void journey() {
        Customer customer = idle.poll();
        if (customer == null) {
            noIdleCustomer.incrementAndGet();
            return;
        }
        long start = System.nanoTime();
        arrivals.add(start); // the journey's own start: a recovery waits for those begun before it (FaultRun)
        Journeying current = new Journeying();
        CURRENT.set(current);
        if (customer.tokens.expires() - start < REFRESH_AHEAD.toNanos()) {
            renew(customer);
        }
        int dice = ThreadLocalRandom.current().nextInt(100);
        String kind = dice < 70 ? "buy" : dice < 78 ? "decline-then-pay" : dice < 83 ? "timeout-then-cancel"
                : dice < 91 ? "cancel" : "double-submit";
        boolean completed = false;
        try {
            completed = switch (kind) {
                case "buy" -> buy(customer, false);
                case "decline-then-pay" -> buy(customer, true);
                case "timeout-then-cancel" -> timeoutThenCancel(customer);
                case "cancel" -> cancel(customer);
                default -> doubleSubmit(customer);
            };
        } catch (RuntimeException e) {
            errors.add(new ClientError(System.nanoTime(), "journey", 0, "exception " + e, false, null));
            current.erred = true;
        } finally {
            CURRENT.remove();
            journeys.add(new Journey(kind, start, System.nanoTime(), completed, completed && !current.erred));
            idle.add(customer);
        }
    }

    private boolean fillCart(Customer c) {
        int lines = 1 + ThreadLocalRandom.current().nextInt(2);
        Set<String> queued = new HashSet<>();
        for (int i = 0; i < lines; i++) {
            String product = products.get(ThreadLocalRandom.current().nextInt(products.size()));
            Answer added = call(c, "add", () -> client.addToCart(c.token, product, 1 + ThreadLocalRandom.current().nextInt(2)),
                    200, 202);
            if (!added.is(200, 202)) {
                return false;
            }
            if (added.is(202)) {
                queued.add(product);
            }
        }
        awaitQueued(c, queued);
        return true;
    }

    /**
     * 202 means the add is queued (cartorder was slow or away; docs/api.md): the app waits until
     * the cart shows it before it checks out, as a shop's page would, rather than order a cart
     * that may still be empty (400). At most {@link #QUEUED_ADD_WAIT}: then it orders what there is.
     */
    private void awaitQueued(Customer c, Set<String> queued) {
        long giveUp = System.nanoTime() + QUEUED_ADD_WAIT.toNanos();
        long poll = QUEUED_ADD_POLL.toNanos();
        while (!queued.isEmpty() && System.nanoTime() < giveUp && !stop.get()) {
            Answer cart = call(c, "cart", () -> client.cart(c.token), 200);
            if (cart.is(200)) {
                cart.body().path("items").forEach(item -> queued.remove(item.path("product_id").asText()));
            }
            if (!queued.isEmpty()) {
                LockSupport.parkNanos(poll); // polling the cart as the app's page would
                poll = Math.min(poll * 2, QUEUED_ADD_POLL_MAX.toNanos());
            }
        }
    }

    private String placeOrder(Customer c) {
        Answer placed = call(c, "order", () -> client.placeOrder(c.token, UUID.randomUUID().toString()), 201);
        if (!placed.is(201)) {
            return null;
        }
        String orderId = placed.text("order_id");
        ordersPlaced.put(orderId, c.email);
        return orderId;
    }

    private boolean buy(Customer c, boolean declineFirst) {
        if (!fillCart(c)) {
            return false;
        }
        String orderId = placeOrder(c);
        if (orderId == null) {
            return false;
        }
        if (declineFirst && !call(c, "pay", () -> client.pay(c.token, orderId, "tok_decline"), 402).is(402)) {
            return false;
        }
        return pay(c, orderId);
    }

    /** Pays; a 409 after a retry may mean the first send did pay: the order says. */
    private boolean pay(Customer c, String orderId) {
        Answer answer = call(c, "pay", () -> client.pay(c.token, orderId, "tok_visa"), 200, 409);
        if (answer.is(409)) {
            Answer order = call(c, "get-order", () -> client.order(c.token, orderId), 200);
            String status = order.text("status");
            if (!"PAID".equals(status) && !"FULFILLED".equals(status)) {
                markError(c, "pay", answer);
                return false;
            }
        } else if (!answer.is(200)) {
            return false;
        }
        paid.put(orderId, System.nanoTime());
        return true;
    }

    private boolean timeoutThenCancel(Customer c) {
        if (!fillCart(c)) {
            return false;
        }
        String orderId = placeOrder(c);
        if (orderId == null) {
            return false;
        }
        // a provider timeout is an answer of its own (504, nothing charged): the client does not retry it
        CheckoutClient once = client.withRetry(CheckoutClient.Retry.NONE);
        if (!call(c, "pay", () -> once.pay(c.token, orderId, "tok_timeout"), 504).is(504)) {
            return false;
        }
        return call(c, "cancel", () -> client.cancel(c.token, orderId), 200).is(200);
    }

    private boolean cancel(Customer c) {
        if (!fillCart(c)) {
            return false;
        }
        String orderId = placeOrder(c);
        return orderId != null && call(c, "cancel", () -> client.cancel(c.token, orderId), 200).is(200);
    }

    /** Two tabs: the same cart ordered twice at once under two fresh keys. One order, at most, should come of it. */
    private boolean doubleSubmit(Customer c) {
        if (!fillCart(c)) {
            return false;
        }
        Journeying current = CURRENT.get();
        List<Future<Answer>> submits = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            submits.add(executor.submit(() -> {
                CURRENT.set(current);
                try {
                    // 201 for one; 409 "checkout in progress" or 400 "empty cart" for the other are right answers
                    return call(c, "order", () -> client.placeOrder(c.token, UUID.randomUUID().toString()), 201, 409, 400);
                } finally {
                    CURRENT.remove();
                }
            }));
        }
        List<Integer> statuses = new ArrayList<>();
        List<String> orders = new ArrayList<>();
        for (Future<Answer> submit : submits) {
            Answer answer;
            try {
                answer = submit.get();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            statuses.add(answer.status());
            if (answer.is(201)) {
                orders.add(answer.text("order_id"));
                ordersPlaced.put(answer.text("order_id"), c.email);
            }
        }
        doubleSubmits.add(new DoubleSubmit(System.nanoTime(), c.email, statuses, orders));
        return !orders.isEmpty() && pay(c, orders.getFirst());
    }

    /** One call of a step, with the answers it expects (any other is an error). */
    private Answer call(Customer c, String step, java.util.function.Supplier<Answer> send, int... expected) {
        CURRENT.get().expected.put(step, expected);
        return send.get();
    }

    /** The refresh token for a new pair; when that fails (a lost answer spends it), a new login. */
    private void renew(Customer c) {
        CURRENT.get().expected.put("refresh", new int[] {200});
        c.use(client.refresh(c.tokens.refresh()).orElseGet(() -> client.login(c.email, PASSWORD)));
    }

    private void markError(Customer c, String step, Answer answer) {
        errors.add(new ClientError(System.nanoTime(), step, answer.status(), "unexpected", answer.body() != null,
                answer.body() == null ? null : answer.body().toString()));
        Journeying current = CURRENT.get();
        if (current != null) {
            current.erred = true;
        }
    }

    /** Every exchange, retries included: an error unless its status is one the step expects. */
    private void observe(Exchange e) {
        Journeying current = CURRENT.get();
        if (current == null) {
            return; // setting up (registering the customers): no journey, no window
        }
        timings.add(new Timing(e.step(), e.start(), e.end(), e.status()));
        int[] expected = current.expected.get(e.step());
        boolean ok = e.status() != 0 && expected != null && Arrays.stream(expected).anyMatch(s -> s == e.status());
        if (e.step().equals("login") || e.step().equals("get-order")) {
            ok = e.status() == 200;
        }
        if (!ok) {
            errors.add(new ClientError(e.end(), e.step(), e.status(), e.failure(), e.explained(),
                    e.body() == null ? null : e.body().substring(0, Math.min(300, e.body().length()))));
            current.erred = true;
        }
    }

    @Override
    public void close() {
        stop.set(true);
        if (scheduler != null) {
            scheduler.cancel(true);
        }
        executor.shutdownNow();
    }
}

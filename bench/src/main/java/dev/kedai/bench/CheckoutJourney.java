package dev.kedai.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The checkout journey at a constant arrival rate: each arrival is one virtual user's purchase —
 * add 3 products ({@code POST /cart/add} on stock, which calls cartorder's AddItem), {@code POST
 * /order} with a new Idempotency-Key, {@code POST /order/pay}. Users register and log in once
 * each, before the clock starts. Latency is measured from each step's start; arrivals follow the
 * schedule whatever the server does (open loop), and the journeys in flight are capped.
 *
 * <p>Not a {@link Scenario}: a scenario sends one request per slot without reading answers,
 * and a purchase needs the order id of one answer in the next request.
 *
 * <pre>
 * java -cp kedai-bench.jar dev.kedai.bench.CheckoutJourney --auth http://127.0.0.1:8103 \
 *      --stock http://127.0.0.1:8102 --cartorder http://127.0.0.1:8101 --rate 20 --duration 30s \
 *      [--users 50] [--lag-db jdbc:mysql://127.0.0.1:13406 --lag-passwords .kedai-bench/dev-passwords.properties]
 * </pre>
 */
public final class CheckoutJourney {

    private final Map<String, String> args;
    private final ConcurrentHistogram order = new ConcurrentHistogram(3);
    private final ConcurrentHistogram pay = new ConcurrentHistogram(3);
    private final ConcurrentHistogram add = new ConcurrentHistogram(3);
    private final ConcurrentHistogram journey = new ConcurrentHistogram(3);
    // how long a refusal took: shedding is only worth it when the 503 comes at once (issue 16: within 100 ms)
    private final ConcurrentHistogram shed = new ConcurrentHistogram(3);
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final List<String> paidOrders = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger dropped = new AtomicInteger();
    private final JourneyTimeline timeline = new JourneyTimeline();
    private final CheckoutClient client;

    private CheckoutJourney(Map<String, String> args) {
        this.args = args;
        this.client = new CheckoutClient(new CheckoutClient.Endpoints(URI.create(args.get("auth")),
                URI.create(args.get("stock")), URI.create(args.get("cartorder"))), CheckoutClient.Retry.NONE,
                this::record);
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = new HashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            args.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
        }
        run(args);
    }

    /** Runs one journey with {@link #main}'s settings, by name without the dashes ({@code ./kedai bench journey}). */
    static void run(Map<String, String> settings) throws Exception {
        new CheckoutJourney(settings).run();
    }

    private void run() throws Exception {
        double rate = Double.parseDouble(args.getOrDefault("rate", "10"));
        Duration duration = DurationText.parse(args.getOrDefault("duration", "30s"));
        int users = Integer.parseInt(args.getOrDefault("users", "50"));
        int maxInFlight = Integer.parseInt(args.getOrDefault("max-in-flight", "200"));
        List<String> products = client.stockedProducts(1_000);
        if (products.isEmpty()) {
            throw new IllegalStateException("no product with 1000+ units available: top stock up first");
        }
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            tokens.add(client.login("bench-" + run + "-" + i + "@example.com", "bench-password-1", "Bench"));
        }
        System.out.printf("set up: %d users logged in, %d products%n", tokens.size(), products.size());

        Instant startedAt = Instant.now();
        OpenLoop loop = new OpenLoop(rate, maxInFlight);
        long total = (long) (rate * duration.toMillis() / 1000.0);
        long origin;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            origin = loop.run(total, pool, (slot, due) -> {
                String token = tokens.get((int) (slot % tokens.size()));
                return () -> purchase(token, products);
            }, slot -> dropped.incrementAndGet(), () -> false);
            loop.awaitIdle(Duration.ofMinutes(2));
        }
        double seconds = (System.nanoTime() - origin) / 1e9;
        System.out.printf("offered %.1f journeys/s for %s: %d paid orders in %.1f s = %.1f orders/s, dropped %d, failures %s%n",
                          rate, duration, paidOrders.size(), seconds, paidOrders.size() / seconds, dropped.get(), failures);
        print("add (POST /cart/add)", add);
        print("POST /order", order);
        print("POST /order/pay", pay);
        print("whole journey", journey);
        print("503 answers (shed)", shed);
        if (args.containsKey("results-dir")) {
            write(startedAt, rate, duration, users, seconds, timeline.seconds(origin, (int) duration.toSeconds()));
        }
        if (args.containsKey("lag-db")) {
            // the bound: every paid order committed 5 s after the last journey ended
            long settled = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            for (long left; (left = settled - System.nanoTime()) > 0; ) {
                java.util.concurrent.locks.LockSupport.parkNanos(left);
            }
            commitLag();
        }
    }

    private void purchase(String token, List<String> products) {
        long start = System.nanoTime();
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < 3; i++) {
            if (!client.addToCart(token, products.get(r.nextInt(products.size())), 1).is(200, 202)) {
                return;
            }
        }
        CheckoutClient.Answer placed = client.placeOrder(token, UUID.randomUUID().toString());
        if (!placed.is(201)) {
            return;
        }
        String orderId = placed.text("order_id");
        if (client.pay(token, orderId, "tok_bench").is(200)) {
            paidOrders.add(orderId);
            long micros = micros(start);
            journey.recordValue(micros);
            timeline.paid(System.nanoTime(), micros);
        }
    }

    /** Latency per step; an answer that is not the step's success, or none, counts as a failure. */
    private void record(CheckoutClient.Exchange e) {
        Histogram histogram = switch (e.step()) {
            case "add" -> add;
            case "order" -> order;
            case "pay" -> pay;
            default -> null;
        };
        if (histogram == null) {
            return;
        }
        histogram.recordValue(Math.max(1, (e.end() - e.start()) / 1_000));
        boolean ok = switch (e.step()) {
            case "add" -> e.status() == 200 || e.status() == 202;
            case "order" -> e.status() == 201;
            default -> e.status() == 200;
        };
        if (e.status() == 503) {
            shed.recordValue(Math.max(1, (e.end() - e.start()) / 1_000));
        }
        if (!ok) {
            String what = e.step() + " " + (e.status() == 0 ? e.failure() : Integer.toString(e.status()));
            failures.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
        }
    }

    // the JSON result and, next to it, the over-time PNG
    private void write(Instant startedAt, double rate, Duration duration, int users, double seconds,
                       List<JourneySecond> perSecond) throws IOException {
        Map<String, Integer> failed = new TreeMap<>();
        failures.forEach((what, n) -> failed.put(what, n.get()));
        JourneyReport report = new JourneyReport("journey", startedAt.toString(),
                new JourneyReport.Parameters(args.get("cartorder"), rate, duration.toMillis() / 1000.0, users),
                RunEnvironment.detect(),
                new JourneyReport.Results(paidOrders.size(), seconds, paidOrders.size() / seconds, dropped.get(), failed,
                        LatencySummary.of(add), LatencySummary.of(order), LatencySummary.of(pay),
                        LatencySummary.of(journey), LatencySummary.of(shed), perSecond));
        Path file = ResultFile.write(report.scenario(), report.startedAt(), report,
                Path.of(args.get("results-dir")));
        System.out.println("written  " + file);
        Path png = BenchPlots.journeyOverTime(String.format(Locale.ROOT,
                "journey at %.0f/s", rate), perSecond, BenchPlots.pngNextTo(file));
        System.out.println("plotted  " + png);
    }

    // OrderPaid → stock committed: orders.paid_at (cartorder) to reservations.updated_at of the COMMITTED row (stock)
    private void commitLag() throws Exception {
        java.util.Properties passwords = new java.util.Properties();
        try (var in = java.nio.file.Files.newInputStream(java.nio.file.Path.of(args.get("lag-passwords")))) {
            passwords.load(in);
        }
        String base = args.get("lag-db");
        Map<String, Long> paidAt = epochMillis(base + "/kedai_cartorder", "cartorder", passwords.getProperty("cartorder.db.password"),
                                               "SELECT order_id, CAST(UNIX_TIMESTAMP(paid_at) * 1000 AS SIGNED) FROM orders WHERE paid_at IS NOT NULL");
        Map<String, Long> committedAt = epochMillis(base + "/kedai_stock", "stock", passwords.getProperty("stock.db.password"),
                                                    "SELECT order_id, CAST(UNIX_TIMESTAMP(updated_at) * 1000 AS SIGNED) FROM reservations WHERE status = 'COMMITTED'");
        Histogram lag = new Histogram(3);
        int missing = 0;
        for (String id : paidOrders) {
            Long paid = paidAt.get(id);
            Long committed = committedAt.get(id);
            if (paid == null || committed == null) {
                missing++;
            } else {
                lag.recordValue(Math.max(0, committed - paid) * 1000);
            }
        }
        System.out.printf("not committed 5 s after the run: %d of %d paid orders%n", missing, paidOrders.size());
        print("OrderPaid -> stock committed", lag);
    }

    private static Map<String, Long> epochMillis(String url, String user, String password, String sql) throws Exception {
        Map<String, Long> m = new HashMap<>();
        try (Connection c = DriverManager.getConnection(url, user, password);
             PreparedStatement s = c.prepareStatement(sql); ResultSet r = s.executeQuery()) {
            while (r.next()) {
                m.put(r.getString(1), r.getLong(2));
            }
        }
        return m;
    }

    private static long micros(long startNanos) {
        return Math.max(1, (System.nanoTime() - startNanos) / 1_000);
    }

    private static void print(String what, Histogram h) {
        System.out.printf("%-30s n=%-6d p50=%7.1f ms  p90=%7.1f ms  p99=%7.1f ms  max=%7.1f ms%n", what, h.getTotalCount(),
                          h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
                          h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0);
    }
}

package dev.kedai.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> args;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newVirtualThreadPerTaskExecutor()).connectTimeout(Duration.ofSeconds(5)).build();
    private final ConcurrentHistogram order = new ConcurrentHistogram(3);
    private final ConcurrentHistogram pay = new ConcurrentHistogram(3);
    private final ConcurrentHistogram add = new ConcurrentHistogram(3);
    private final ConcurrentHistogram journey = new ConcurrentHistogram(3);
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final List<String> paidOrders = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();

    private CheckoutJourney(Map<String, String> args) {
        this.args = args;
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = new HashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            args.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
        }
        new CheckoutJourney(args).run();
    }

    private void run() throws Exception {
        double rate = Double.parseDouble(args.getOrDefault("rate", "10"));
        Duration duration = DurationText.parse(args.getOrDefault("duration", "30s"));
        int users = Integer.parseInt(args.getOrDefault("users", "50"));
        int maxInFlight = Integer.parseInt(args.getOrDefault("max-in-flight", "200"));
        List<String> products = products();
        List<String> tokens = login(users);
        System.out.printf("set up: %d users logged in, %d products%n", tokens.size(), products.size());

        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        long origin = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        long total = (long) (rate * duration.toMillis() / 1000.0);
        for (long i = 0; i < total; i++) {
            long due = origin + (long) (i * 1e9 / rate);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            if (inFlight.incrementAndGet() > maxInFlight) {
                inFlight.decrementAndGet();
                dropped.incrementAndGet();
                continue;
            }
            String token = tokens.get((int) (i % tokens.size()));
            pool.submit(() -> {
                try {
                    purchase(token, products);
                } finally {
                    inFlight.decrementAndGet();
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(2, TimeUnit.MINUTES);
        double seconds = (System.nanoTime() - origin) / 1e9;
        System.out.printf("offered %.1f journeys/s for %s: %d paid orders in %.1f s = %.1f orders/s, dropped %d, failures %s%n",
                          rate, duration, paidOrders.size(), seconds, paidOrders.size() / seconds, dropped.get(), failures);
        print("add (POST /cart/add)", add);
        print("POST /order", order);
        print("POST /order/pay", pay);
        print("whole journey", journey);
        if (args.containsKey("lag-db")) {
            commitLag();
        }
    }

    private void purchase(String token, List<String> products) {
        long start = System.nanoTime();
        try {
            ThreadLocalRandom r = ThreadLocalRandom.current();
            for (int i = 0; i < 3; i++) {
                String body = "{\"product_id\":\"" + products.get(r.nextInt(products.size())) + "\",\"quantity\":1}";
                send(add, "add", post(args.get("stock") + "/cart/add", token, body), 200, 202);
            }
            HttpRequest place = post(args.get("cartorder") + "/order", token, "{}")
                    .header("Idempotency-Key", UUID.randomUUID().toString()).build();
            JsonNode placed = send(order, "order", place, 201);
            if (placed == null) {
                return;
            }
            String orderId = placed.get("order_id").asText();
            String payBody = "{\"order_id\":\"" + orderId + "\",\"payment_token\":\"tok_bench\"}";
            if (send(pay, "pay", post(args.get("cartorder") + "/order/pay", token, payBody).build(), 200) != null) {
                paidOrders.add(orderId);
                journey.recordValue(micros(start));
            }
        } catch (RuntimeException e) {
            failures.computeIfAbsent("exception " + e.getClass().getSimpleName(), k -> new AtomicInteger()).incrementAndGet();
        }
    }

    private JsonNode send(Histogram histogram, String step, Object request, int... ok) {
        HttpRequest req = request instanceof HttpRequest.Builder b ? b.build() : (HttpRequest) request;
        long start = System.nanoTime();
        try {
            HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
            histogram.recordValue(micros(start));
            for (int code : ok) {
                if (res.statusCode() == code) {
                    return res.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(res.body());
                }
            }
            failures.computeIfAbsent(step + " " + res.statusCode(), k -> new AtomicInteger()).incrementAndGet();
            return null;
        } catch (IOException e) {
            failures.computeIfAbsent(step + " io", k -> new AtomicInteger()).incrementAndGet();
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static HttpRequest.Builder post(String url, String token, String body) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    }

    private List<String> products() throws Exception {
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(args.get("stock") + "/stock?size=100")).build(),
                                             HttpResponse.BodyHandlers.ofString());
        List<String> ids = new ArrayList<>();
        for (JsonNode level : JSON.readTree(res.body()).get("items")) {
            if (level.get("available").asLong() >= 1_000) {
                ids.add(level.get("product_id").asText());
            }
        }
        if (ids.isEmpty()) {
            throw new IllegalStateException("no product with 1000+ units available: top stock up first");
        }
        return ids;
    }

    private List<String> login(int users) throws Exception {
        List<String> tokens = new ArrayList<>();
        String run = UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < users; i++) {
            String email = "bench-" + run + "-" + i + "@example.com";
            String credentials = "{\"email\":\"" + email + "\",\"password\":\"bench-password-1\"}";
            http.send(HttpRequest.newBuilder(URI.create(args.get("auth") + "/auth/register"))
                              .header("Content-Type", "application/json")
                              .POST(HttpRequest.BodyPublishers.ofString(credentials.replace("}", ",\"name\":\"Bench\"}")))
                              .build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(args.get("auth") + "/auth/login"))
                                                         .header("Content-Type", "application/json")
                                                         .POST(HttpRequest.BodyPublishers.ofString(credentials)).build(),
                                                 HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() != 200) {
                throw new IllegalStateException("login failed: " + res.statusCode() + " " + res.body());
            }
            tokens.add(JSON.readTree(res.body()).get("access_token").asText());
        }
        return tokens;
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
        System.out.printf("not committed (yet): %d of %d%n", missing, paidOrders.size());
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

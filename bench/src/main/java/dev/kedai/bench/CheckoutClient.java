package dev.kedai.bench;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The purchase API as a customer's app calls it: register and log in, {@code POST /cart/add},
 * {@code POST /order} with an Idempotency-Key, {@code POST /order/pay}, cancel. It retries as a
 * careful client does: after a 5xx, a timeout or a lost connection it sends the SAME request
 * again (same Idempotency-Key, same body) with a growing, jittered pause, a bounded number of
 * times, never sooner than the answer's {@code Retry-After} asked (seconds, capped); a
 * {@code POST /order} answered 409 "still running" is retried the same way. Every exchange,
 * retries included, is reported to the {@link Observer} with its time and outcome.
 *
 * <p>Loopback only, like every bench target.
 */
public final class CheckoutClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** A longer {@code Retry-After} is waited this long: the client's own patience is bounded. */
    private static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(5);

    /**
     * Where each part of the API answers: the three services directly, or the edge for all.
     */
    public record Endpoints(URI auth, URI stock, URI cartorder) {
        public Endpoints {
            LoopbackTarget.require(auth);
            LoopbackTarget.require(stock);
            LoopbackTarget.require(cartorder);
        }

        /** Everything through one edge. */
        public static Endpoints edge(URI edge) {
            return new Endpoints(edge, edge, edge);
        }
    }

    /**
     * @param attempts at most this many sends of one request (1 = no retry)
     * @param backoff  pause before the first retry; doubled before each further one, each drawn
     *                 between half and all of it (jitter: clients refused together do not come
     *                 back together), and at least the refusal's {@code Retry-After}
     * @param timeout  per send (connect and answer)
     */
    public record Retry(int attempts, Duration backoff, Duration timeout) {
        public static final Retry NONE = new Retry(1, Duration.ZERO, Duration.ofSeconds(10));

        public Retry {
            if (attempts < 1 || attempts > 10) {
                throw new IllegalArgumentException("attempts must be 1..10: " + attempts);
            }
        }
    }

    /**
     * One send as the client saw it.
     *
     * @param step        {@code register}, {@code login}, {@code refresh}, {@code add}, {@code order}, {@code pay},
     *                    {@code cancel}, {@code get-order}, {@code stock}
     * @param attempt     1 for the first send, 2.. for retries
     * @param start       {@link System#nanoTime()} when it was sent
     * @param end         when the answer (or the failure) came
     * @param status      the HTTP status, 0 when there was no answer
     * @param failure     {@code timeout}, {@code connect} or {@code io} when there was no answer
     * @param contentType of the answer
     * @param body        the answer's body (for error answers: what the client would show)
     */
    public record Exchange(String step, int attempt, long start, long end, int status, String failure,
                           String contentType, String body) {

        /** An answer the client can read: RFC 9457 problem+json from a service, or the edge's Kong JSON. */
        public boolean explained() {
            return contentType != null && (contentType.startsWith("application/problem+json")
                    || contentType.startsWith("application/json") && body != null && body.contains("\"message\""));
        }
    }

    /** Receives every exchange, from the thread that made it. */
    @FunctionalInterface
    public interface Observer {
        void exchange(Exchange exchange);
    }

    /**
     * What a call finally got (after its retries).
     *
     * @param status 0 when no send got an answer
     * @param body   the parsed JSON body, or null
     */
    public record Answer(int status, JsonNode body) {
        public boolean is(int... statuses) {
            for (int s : statuses) {
                if (status == s) {
                    return true;
                }
            }
            return false;
        }

        public String text(String field) {
            return body == null || !body.hasNonNull(field) ? null : body.get(field).asText();
        }
    }

    private final Endpoints endpoints;
    private final HttpClient http;
    private final Retry retry;
    private final Observer observer;

    public CheckoutClient(Endpoints endpoints, Retry retry, Observer observer) {
        this(endpoints, HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(retry.timeout()).build(), retry, observer);
    }

    private CheckoutClient(Endpoints endpoints, HttpClient http, Retry retry, Observer observer) {
        this.endpoints = endpoints;
        this.http = http;
        this.retry = retry;
        this.observer = observer;
    }

    /** The same client (connections, observer) with another retry policy, e.g. none for a call expected to fail. */
    public CheckoutClient withRetry(Retry other) {
        return new CheckoutClient(endpoints, http, other, observer);
    }

    /**
     * What a login or a refresh gives.
     *
     * @param access  the access token
     * @param refresh the refresh token (spent by its first use)
     * @param expires when the access token expires ({@link System#nanoTime()} scale)
     */
    public record Tokens(String access, String refresh, long expires) {
    }

    /** Registers (an existing account is fine) and logs in; returns the access token, or fails. */
    public String login(String email, String password, String name) {
        register(email, password, name);
        return login(email, password).access();
    }

    /** {@code POST /auth/register}; 409 (already registered, e.g. by a first send whose answer was lost) is fine. */
    public void register(String email, String password, String name) {
        Answer registered = send("register", post(endpoints.auth(), "/auth/register", null,
                "{\"email\":\"" + email + "\",\"password\":\"" + password + "\",\"name\":\"" + name + "\"}"), false);
        if (!registered.is(201, 409)) {
            throw new IllegalStateException("register " + email + " answered " + registered.status() + " " + registered.body());
        }
    }

    /** {@code POST /auth/login}, or fails. */
    public Tokens login(String email, String password) {
        Answer login = send("login", post(endpoints.auth(), "/auth/login", null,
                "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}"), false);
        if (!login.is(200)) {
            throw new IllegalStateException("login " + email + " answered " + login.status() + " " + login.body());
        }
        return tokens(login);
    }

    /**
     * {@code POST /auth/refresh} once, never retried: a refresh token is spent by its first use and
     * a second use revokes the session, so a lost answer means logging in again. Empty on failure.
     */
    public java.util.Optional<Tokens> refresh(String refreshToken) {
        Answer refreshed = withRetry(new Retry(1, Duration.ZERO, retry.timeout())).send("refresh",
                post(endpoints.auth(), "/auth/refresh", null, "{\"refresh_token\":\"" + refreshToken + "\"}"), false);
        return refreshed.is(200) ? java.util.Optional.of(tokens(refreshed)) : java.util.Optional.empty();
    }

    private static Tokens tokens(Answer answer) {
        long seconds = answer.body().path("expires_in").asLong(900);
        return new Tokens(answer.text("access_token"), answer.text("refresh_token"),
                System.nanoTime() + Duration.ofSeconds(seconds).toNanos());
    }

    /** {@code POST /cart/add} with an Idempotency-Key of its own, kept across retries. */
    public Answer addToCart(String token, String productId, int quantity) {
        return send("add", post(endpoints.stock(), "/cart/add", token,
                "{\"product_id\":\"" + productId + "\",\"quantity\":" + quantity + "}")
                .header("Idempotency-Key", UUID.randomUUID().toString()), false);
    }

    /** {@code GET /cart}: {@code {"items": [{"product_id", "quantity", ...}]}}. */
    public Answer cart(String token) {
        return send("cart", HttpRequest.newBuilder(endpoints.cartorder().resolve("/cart"))
                .header("Authorization", "Bearer " + token).GET(), false);
    }

    /** {@code POST /order}; a 409 without a stock shortage means "the first is still running" and is retried too. */
    public Answer placeOrder(String token, String idempotencyKey) {
        return send("order", post(endpoints.cartorder(), "/order", token, "{}")
                .header("Idempotency-Key", idempotencyKey), true);
    }

    public Answer pay(String token, String orderId, String paymentToken) {
        return send("pay", post(endpoints.cartorder(), "/order/pay", token,
                "{\"order_id\":\"" + orderId + "\",\"payment_token\":\"" + paymentToken + "\"}"), false);
    }

    public Answer cancel(String token, String orderId) {
        return send("cancel", post(endpoints.cartorder(), "/order/" + orderId + "/cancel", token, "{}"), false);
    }

    public Answer order(String token, String orderId) {
        return send("get-order", HttpRequest.newBuilder(endpoints.cartorder().resolve("/order/" + orderId))
                .header("Authorization", "Bearer " + token).GET(), false);
    }

    /** Ids of products with at least {@code minAvailable} units (GET /stock, first 100). */
    public List<String> stockedProducts(long minAvailable) {
        Answer levels = send("stock", HttpRequest.newBuilder(endpoints.stock().resolve("/stock?size=100")).GET(), false);
        if (!levels.is(200)) {
            throw new IllegalStateException("GET /stock answered " + levels.status());
        }
        List<String> ids = new java.util.ArrayList<>();
        for (JsonNode level : levels.body().get("items")) {
            if (level.get("available").asLong() >= minAvailable) {
                ids.add(level.get("product_id").asText());
            }
        }
        return ids;
    }

    private static HttpRequest.Builder post(URI base, String path, String token, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        return token == null ? b : b.header("Authorization", "Bearer " + token);
    }

    private Answer send(String step, HttpRequest.Builder builder, boolean retryInProgress) {
        HttpRequest request = builder.timeout(retry.timeout()).build();
        Answer answer = new Answer(0, null);
        long retryAfter = 0;
        for (int attempt = 1; attempt <= retry.attempts(); attempt++) {
            if (attempt > 1) {
                long backoff = retry.backoff().toNanos() << Math.min(attempt - 2, 6);
                long jittered = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
                LockSupport.parkNanos(Math.max(jittered, retryAfter));
                retryAfter = 0;
            }
            long start = System.nanoTime();
            String failure = null;
            HttpResponse<String> response = null;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (HttpConnectTimeoutException | ConnectException e) {
                failure = "connect";
            } catch (HttpTimeoutException e) {
                failure = "timeout";
            } catch (IOException e) {
                failure = e.getCause() instanceof ConnectException ? "connect" : "io";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return answer;
            }
            long end = System.nanoTime();
            String contentType = response == null ? null : response.headers().firstValue("Content-Type").orElse(null);
            observer.exchange(new Exchange(step, attempt, start, end, response == null ? 0 : response.statusCode(),
                    failure, contentType, response == null ? null : response.body()));
            if (response == null) {
                continue;
            }
            answer = new Answer(response.statusCode(), parse(response.body()));
            retryAfter = retryAfter(response);
            boolean stillRunning = retryInProgress && answer.status() == 409 && (answer.body() == null
                    || !answer.body().has("short"));
            if (answer.status() < 500 && !stillRunning) {
                return answer;
            }
        }
        return answer;
    }

    /** {@code Retry-After} in seconds as nanoseconds, at most {@link #MAX_RETRY_AFTER}; 0 when absent or a date. */
    static long retryAfter(HttpResponse<?> response) {
        String value = response.headers().firstValue("Retry-After").orElse("").trim();
        if (value.isEmpty() || !value.chars().allMatch(Character::isDigit) || value.length() > 6) {
            return 0;
        }
        return Math.min(Duration.ofSeconds(Long.parseLong(value)).toNanos(), MAX_RETRY_AFTER.toNanos());
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }
}

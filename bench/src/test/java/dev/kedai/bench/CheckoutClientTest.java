package dev.kedai.bench;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The fault suite's client retries as a careful client does, including what the server asked for. */
class CheckoutClientTest {

    /**
     * A 503 says {@code Retry-After: 1}: the same request comes back no sooner than that, not after
     * the client's own 50 ms backoff. The restarted cartorder of the fault suite was hammered by
     * retries every 250 ms that ignored it, which kept its pool empty for 13 s.
     */
    @Test
    void aRefusalsRetryAfterIsWaitedBeforeTheSameRequestIsSentAgain() throws Exception {
        AtomicInteger sends = new AtomicInteger();
        try (TinyServer server = new TinyServer(null).handle("/order", exchange -> {
            if (sends.incrementAndGet() == 1) {
                exchange.getResponseHeaders().set("Retry-After", "1");
                TinyServer.respond(exchange, 503, "{\"status\":503,\"detail\":\"busy\"}");
            } else {
                TinyServer.respond(exchange, 201, "{\"order_id\":\"o-1\"}");
            }
        })) {
            List<CheckoutClient.Exchange> seen = new CopyOnWriteArrayList<>();
            CheckoutClient client = new CheckoutClient(CheckoutClient.Endpoints.edge(server.uri()),
                    new CheckoutClient.Retry(3, Duration.ofMillis(50), Duration.ofSeconds(5)), seen::add);

            assertThat(client.placeOrder("token", "key-1").status()).isEqualTo(201);

            assertThat(seen).extracting(CheckoutClient.Exchange::status).containsExactly(503, 201);
            assertThat(Duration.ofNanos(seen.get(1).start() - seen.get(0).end()))
                    .as("the pause before the retry").isGreaterThanOrEqualTo(Duration.ofMillis(950));
        }
    }

    @Test
    void retryAfterIsReadInSecondsAndBounded() throws Exception {
        AtomicInteger sends = new AtomicInteger();
        String[] values = {"2", "86400", "Wed, 21 Oct 2026 07:28:00 GMT", ""};
        try (TinyServer server = new TinyServer(null).handle("/", exchange -> {
            String value = values[sends.getAndIncrement()];
            if (!value.isEmpty()) {
                exchange.getResponseHeaders().set("Retry-After", value);
            }
            TinyServer.respond(exchange, 503, "{}");
        })) {
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            List<Long> read = new java.util.ArrayList<>();
            for (int i = 0; i < values.length; i++) {
                read.add(CheckoutClient.retryAfter(http.send(java.net.http.HttpRequest.newBuilder(server.uri()).build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding())));
            }
            assertThat(read).containsExactly(Duration.ofSeconds(2).toNanos(), Duration.ofSeconds(5).toNanos(), 0L, 0L);
        }
    }
}

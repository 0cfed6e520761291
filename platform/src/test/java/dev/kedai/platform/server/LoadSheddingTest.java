package dev.kedai.platform.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.kedai.platform.http.ProblemException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A service at its concurrency limit ({@code server.concurrency-limit}, Helidon's listener limit)
 * refuses the next request at once — 503 problem+json with Retry-After, without waiting for a
 * permit, a connection or a peer — while the requests it took go on and its health (the admin
 * socket, outside the limit) still answers. Overload then costs a client a quick "come back", not
 * a timeout.
 */
class LoadSheddingTest {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void aRequestBeyondTheLimitIsRefusedAtOnceWith503ProblemAndRetryAfterWhileTheOthersGoOn() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        KedaiServer server = KedaiServer.builder("shedding", LoopbackServerConfig.with(Map.of(
                        "server.concurrency-limit.fixed.permits", "1", "shutdown.drain-delay", "PT0S")))
                .routing(rules -> rules.get("/slow", (req, res) -> {
                    entered.countDown();
                    release.await(30, TimeUnit.SECONDS);
                    res.send("slow done");
                }))
                .build()
                .start();
        try {
            CompletableFuture<HttpResponse<String>> slow = CLIENT.sendAsync(request(server.port(), "/slow"),
                                                                            HttpResponse.BodyHandlers.ofString());
            assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();

            // the one permit is taken: the next request is answered while the first still runs
            HttpResponse<String> refused = CLIENT.send(request(server.port(), "/slow"), HttpResponse.BodyHandlers.ofString());
            assertThat(slow).as("the first request is still running").isNotDone();
            assertBusy(refused);
            assertThat(CLIENT.send(request(server.adminPort(), "/observe/health/ready"), HttpResponse.BodyHandlers.ofString())
                               .statusCode()).as("health is not behind the limit").isEqualTo(200);

            release.countDown();
            assertThat(slow.get(20, TimeUnit.SECONDS).body()).isEqualTo("slow done");
            // the permit is returned when the handler has returned, a moment after its answer left
            await("the permit came back").atMost(Duration.ofSeconds(5))
                    .until(() -> CLIENT.send(request(server.port(), "/slow"), HttpResponse.BodyHandlers.ofString())
                            .statusCode() == 200);
        } finally {
            release.countDown();
            server.stop();
        }
    }

    /**
     * Priority when busy ({@link Admission}): a kind of request with its own limit is refused at once
     * when that many run — 503 problem+json with Retry-After, before its handler runs — while a kind
     * without one still gets in under the listener's limit. This is what keeps an overloaded
     * cartorder paying the orders already placed instead of starting new checkouts.
     */
    @Test
    void aKindPastItsAdmissionIsRefusedAtOnceWhileOtherKindsStillGetIn() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger placed = new AtomicInteger();
        var config = LoopbackServerConfig.with(Map.of("server.concurrency-limit.fixed.permits", "10",
                                                      "admission.place.limit", "1", "shutdown.drain-delay", "PT0S"));
        Admission admission = Admission.create(config);
        KedaiServer server = KedaiServer.builder("admission", config)
                .routing(rules -> rules.post("/place", admission.guard("place", (req, res) -> {
                            if (placed.incrementAndGet() == 1) {
                                entered.countDown();
                                release.await(30, TimeUnit.SECONDS);
                            }
                            res.send("placed");
                        }))
                        .post("/pay", admission.guard("pay", (req, res) -> res.send("paid"))))
                .build()
                .start();
        try {
            CompletableFuture<HttpResponse<String>> first = CLIENT.sendAsync(post(server.port(), "/place"),
                                                                             HttpResponse.BodyHandlers.ofString());
            assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();

            HttpResponse<String> refused = CLIENT.send(post(server.port(), "/place"), HttpResponse.BodyHandlers.ofString());
            assertThat(first).as("the first placement is still running").isNotDone();
            assertBusy(refused);
            assertThat(placed).as("the refused placement never reached its handler").hasValue(1);
            HttpResponse<String> paid = CLIENT.send(post(server.port(), "/pay"), HttpResponse.BodyHandlers.ofString());
            assertThat(paid.statusCode()).as("another kind gets in meanwhile").isEqualTo(200);

            release.countDown();
            assertThat(first.get(20, TimeUnit.SECONDS).body()).isEqualTo("placed");
            // the place is returned when the handler has returned, a moment after its answer left
            await("the place came back").atMost(Duration.ofSeconds(5))
                    .until(() -> CLIENT.send(post(server.port(), "/place"), HttpResponse.BodyHandlers.ofString())
                            .body().equals("placed"));
        } finally {
            release.countDown();
            server.stop();
        }
    }

    /** A kind's queue holds a burst: with its one request running, one more waits and is served, the next is refused. */
    @Test
    void aBurstWithinTheQueueWaitsAndIsServedThePastItIsRefused() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        var config = LoopbackServerConfig.with(Map.of("admission.place.limit", "1", "admission.place.queue", "1",
                                                      "shutdown.drain-delay", "PT0S"));
        Admission admission = Admission.create(config);
        KedaiServer server = KedaiServer.builder("admission-queue", config)
                .routing(rules -> rules.post("/place", admission.guard("place", (req, res) -> {
                    entered.countDown();
                    release.await(30, TimeUnit.SECONDS);
                    res.send("placed");
                })))
                .build()
                .start();
        try {
            CompletableFuture<HttpResponse<String>> first = CLIENT.sendAsync(post(server.port(), "/place"),
                                                                             HttpResponse.BodyHandlers.ofString());
            assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();
            var burst = List.of(
                    CLIENT.sendAsync(post(server.port(), "/place"), HttpResponse.BodyHandlers.ofString()),
                    CLIENT.sendAsync(post(server.port(), "/place"), HttpResponse.BodyHandlers.ofString()));
            // one of the two takes the queue's place and waits; the other finds it taken
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> burst.stream().filter(CompletableFuture::isDone).count() == 1);
            var refused = burst.stream().filter(CompletableFuture::isDone).findFirst().orElseThrow();
            var queued = burst.stream().filter(r -> !r.isDone()).findFirst().orElseThrow();
            assertBusy(refused.get());

            release.countDown();
            assertThat(first.get(20, TimeUnit.SECONDS).body()).isEqualTo("placed");
            assertThat(queued.get(20, TimeUnit.SECONDS).body()).as("the queued one is served").isEqualTo("placed");
        } finally {
            release.countDown();
            server.stop();
        }
    }

    @Test
    void anAdmittedRequestsOwnFailureComesOutUnchanged() {
        var admission = Admission.create(LoopbackServerConfig.with(Map.of("admission.place.limit", "1")));
        var own = ProblemException.conflict("not enough stock", "available", 3);
        assertThatThrownBy(() -> admission.call("place", () -> {
            throw own;
        })).isSameAs(own);
        assertThat(admission.call("place", () -> "the permit came back")).isEqualTo("the permit came back");
    }

    @Test
    void withoutItsKeyAKindIsNotLimitedAndALimitBelowOneFailsAtStart() {
        var none = Admission.create(LoopbackServerConfig.with(Map.of()));
        assertThat(none.call("place", () -> none.call("place", () -> "nested calls both run"))).isEqualTo("nested calls both run");
        assertThatThrownBy(() -> Admission.create(LoopbackServerConfig.with(Map.of("admission.place.limit", "0"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("admission.place.limit");
    }

    private static HttpRequest post(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.noBody()).build();
    }

    private static HttpRequest request(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20)).build();
    }

    /** The answer of a request refused because the instance is busy: 503 problem+json, retry in a second. */
    private static void assertBusy(HttpResponse<String> refused) {
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(refused.body()).contains("\"status\":503").contains("busy");
    }
}

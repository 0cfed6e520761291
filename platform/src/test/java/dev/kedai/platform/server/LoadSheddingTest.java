package dev.kedai.platform.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

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
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(refused.body()).contains("\"status\":503").contains("busy");
            assertThat(CLIENT.send(request(server.adminPort(), "/observe/health/ready"), HttpResponse.BodyHandlers.ofString())
                               .statusCode()).as("health is not behind the limit").isEqualTo(200);

            release.countDown();
            assertThat(slow.get(20, TimeUnit.SECONDS).body()).isEqualTo("slow done");
            assertThat(CLIENT.send(request(server.port(), "/slow"), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .as("the permit came back").isEqualTo(200);
        } finally {
            release.countDown();
            server.stop();
        }
    }

    private static HttpRequest request(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20)).build();
    }
}

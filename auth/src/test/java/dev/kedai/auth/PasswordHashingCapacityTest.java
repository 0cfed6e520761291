package dev.kedai.auth;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

import dev.kedai.contracts.Topics;
import dev.kedai.infra.KafkaTopics;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.http.Json;
import dev.kedai.platform.security.TestTokens;
import dev.kedai.platform.server.KedaiServer;
import dev.kedai.platform.testing.TestHttp;
import dev.kedai.platform.testing.TestServiceConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.kedai.platform.testing.TestHttp.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * auth with room for one Argon2id computation and no queue: concurrent logins and registrations
 * beyond it are refused at once with 503 + Retry-After instead of piling up, the accepted ones
 * succeed, a refused registration creates nothing, and the service serves normally afterwards.
 */
class PasswordHashingCapacityTest {

    private static final int CONCURRENT = 8;
    private static final String PASSWORD = "capacity-password";

    private static TestTokens tokens;
    private static KedaiServer server;
    private static TestHttp http;

    @BeforeAll
    static void start() {
        KafkaTopics.ensure(TestInfra.get().kafkaBootstrap(), List.of(TestServiceConfig.topic(Topics.AUTH_USER)), 1);
        tokens = TestTokens.start();
        server = Main.start(TestServiceConfig.of(TestInfra.newDatabase("auth_cap"), tokens,
                Map.of("auth.argon2.max-concurrent", "1", "auth.argon2.max-queued", "0",
                       "auth.client-ip.trusted-proxy-hops", "1")));
        http = new TestHttp(server.port());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
        tokens.close();
    }

    private static HttpResponse<String> post(String path, Object body) {
        return http.post(path, "application/json", Json.bytes(body));
    }

    private static HttpResponse<String> register(String email) {
        return post("/auth/register", Map.of("email", email, "password", PASSWORD, "name", "Dewi"));
    }

    private static HttpResponse<String> login(String email) {
        return login(email, "127.0.0.1");
    }

    private static HttpResponse<String> login(String email, String clientIp) {
        return http.post("/auth/login", "application/json", Json.bytes(Map.of("email", email, "password", PASSWORD)),
                         "X-Forwarded-For", clientIp);
    }

    /** Sends {@code CONCURRENT} requests released at the same moment; the answers in request order. */
    private static List<HttpResponse<String>> atOnce(IntFunction<HttpResponse<String>> request) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < CONCURRENT; i++) {
                int n = i;
                futures.add(threads.submit(() -> {
                    go.await();
                    return request.apply(n);
                }));
            }
            go.countDown();
            List<HttpResponse<String>> answers = new ArrayList<>();
            for (Future<HttpResponse<String>> f : futures) {
                answers.add(f.get());
            }
            return answers;
        }
    }

    private static void assertBusy(List<HttpResponse<String>> answers, int okStatus) {
        assertThat(answers).extracting(HttpResponse::statusCode).as("only successes and 503")
                .containsOnly(okStatus, 503).contains(okStatus, 503);
        answers.stream().filter(r -> r.statusCode() == 503).forEach(busy -> {
            assertProblem(busy, 503);
            assertThat(busy.headers().firstValue("Retry-After")).hasValue("1");
        });
    }

    @Test
    void loginsBeyondTheHashingCapacityAre503WithRetryAfterAndTheOthersSucceed() throws Exception {
        String email = "cap-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        assertThat(register(email).statusCode()).isEqualTo(201);

        // each from its own address: the failed-login throttle counts every attempt of one address
        // before checking it, and is not what this test is about
        List<HttpResponse<String>> answers = atOnce(i -> login(email, "198.51.100." + (i + 1)));

        assertBusy(answers, 200);
        answers.stream().filter(r -> r.statusCode() == 200)
                .forEach(ok -> assertThat(TestHttp.json(ok).get("access_token").asText()).isNotBlank());
        // a refused login is not a failed login: the right password still works, now that it is quiet
        assertThat(login(email).statusCode()).isEqualTo(200);
    }

    @Test
    void registrationsBeyondTheHashingCapacityAre503AndCreateNothing() throws Exception {
        String prefix = "capr-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        List<HttpResponse<String>> answers = atOnce(i -> register(prefix + i + "@example.com"));

        assertBusy(answers, 201);
        for (int i = 0; i < CONCURRENT; i++) {
            String email = prefix + i + "@example.com";
            if (answers.get(i).statusCode() == 503) {
                // nothing half-created: the same email registers now, and only now
                assertThat(login(email).statusCode()).isEqualTo(401);
                assertThat(register(email).statusCode()).isEqualTo(201);
            }
            assertThat(login(email).statusCode()).isEqualTo(200);
        }
    }
}

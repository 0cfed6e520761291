package dev.kedai.platform.server;

import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.platform.http.Field;
import dev.kedai.platform.http.Fields;
import dev.kedai.platform.http.Json;
import dev.kedai.platform.http.Page;
import dev.kedai.platform.http.PageRequest;
import dev.kedai.platform.http.ProblemException;
import dev.kedai.platform.security.UnauthorizedException;
import dev.kedai.platform.testing.TestHttp;
import io.grpc.Status;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.faulttolerance.Bulkhead;
import io.helidon.health.HealthCheckResponse;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.kedai.platform.http.Field.field;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KedaiServerTest {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final AtomicBoolean DB_UP = new AtomicBoolean(true);
    private static KedaiServer server;

    record NewThing(UUID productId, int quantity, String note) {
    }

    record Thing(String thingId, java.time.Instant createdAt) {
    }

    static final Fields NEW_THING = Fields.of(
            field("product_id").uuid().required(),
            field("quantity").integer(1, 99).required(),
            field("note").string(0, 20));

    static final class Things implements HttpService {
        @Override
        public void routing(HttpRules rules) {
            rules.get("/{thing_id}", (req, res) -> Json.send(res,
                            new Thing(req.path().pathParameters().get("thing_id"), java.time.Instant.parse("2026-11-21T10:15:30Z"))))
                    .post("/", (req, res) -> Json.send(res, 201, NEW_THING.read(req, NewThing.class)))
                    .get("/list/page", (req, res) -> {
                        PageRequest page = PageRequest.from(req);
                        Json.send(res, Page.of(List.of("a"), page, 1));
                    })
                    .get("/fail/boom", (req, res) -> {
                        throw new IllegalStateException("secret internal detail");
                    })
                    .get("/fail/missing", (req, res) -> {
                        throw ProblemException.notFound("no such thing");
                    })
                    .get("/fail/conflict", (req, res) -> {
                        throw ProblemException.conflict("not enough stock", "available", 3);
                    })
                    .get("/fail/peer", (req, res) -> {
                        throw Status.UNAVAILABLE.withDescription("cart down").asRuntimeException();
                    })
                    .get("/fail/slow-peer", (req, res) -> {
                        throw Status.DEADLINE_EXCEEDED.asRuntimeException();
                    })
                    .get("/fail/busy", (req, res) -> {
                        // a real full bulkhead: the inner call finds the only slot taken and no queue
                        Bulkhead one = Bulkhead.create(b -> b.limit(1).queueLength(0));
                        one.invoke(() -> one.invoke(() -> "never"));
                    })
                    .get("/fail/unauthorized", (req, res) -> {
                        throw new UnauthorizedException("token expired");
                    });
        }
    }

    @BeforeAll
    static void start() {
        Config config = Config.just(ConfigSources.create(Map.of(
                "server.host", "127.0.0.1",
                "server.port", "0",
                "server.max-payload-size", "1048576",
                "server.sockets.0.name", "admin",
                "server.sockets.0.port", "0",
                "openapi.static-file", "kedai-test/openapi.yaml")));
        server = KedaiServer.builder("test", config)
                .routing(rules -> rules.register("/things", new Things()))
                .readiness(() -> DB_UP.get() ? HealthCheckResponse.builder().status(true).build()
                        : HealthCheckResponse.builder().status(false).detail("db", "down").build())
                .build()
                .start();
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @Test
    void aListenerThatCannotBindFailsTheStartInsteadOfRunningHalfAServer() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            Config config = Config.just(ConfigSources.create(Map.of(
                    "server.host", "127.0.0.1",
                    "server.port", "0",
                    "server.sockets.0.name", "admin",
                    "server.sockets.0.port", String.valueOf(taken.getLocalPort()),
                    "openapi.static-file", "kedai-test/openapi.yaml")));
            KedaiServer halfBound = KedaiServer.builder("half", config)
                    .routing(rules -> rules.register("/things", new Things()))
                    .build();
            // Helidon logs the bind failure and stops its listeners without throwing; a process
            // that went on would answer nothing while its launcher waited on someone else's port
            assertThatThrownBy(halfBound::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("half");
        }
    }

    @Test
    void servesRoutesAsSnakeCaseJsonWithRequestId() throws Exception {
        var res = get(server.port(), "/things/t1", "X-Request-ID", "edge-123");
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(res.headers().firstValue("X-Request-ID")).hasValue("edge-123");
        assertThat(json(res)).isEqualTo(Json.mapper().readTree("{\"thing_id\":\"t1\",\"created_at\":\"2026-11-21T10:15:30.000Z\"}"));

        var generated = get(server.port(), "/things/t2");
        assertThat(generated.headers().firstValue("X-Request-ID")).get().asString().hasSize(36);
    }

    @Test
    void everyAnswerNamesTheService() throws Exception {
        assertThat(get(server.port(), "/things/t1").headers().firstValue("X-Kedai-Service")).hasValue("test");
        assertThat(get(server.port(), "/things/fail/missing").headers().firstValue("X-Kedai-Service"))
                .hasValue("test");
        assertThat(get(server.port(), "/no/such/route").headers().firstValue("X-Kedai-Service"))
                .hasValue("test");
    }

    @Test
    void everyAnswerIsNosniffAndPersonalOrWriteAnswersAreNoStore() throws Exception {
        var anonymousRead = get(server.port(), "/things/t1");
        assertThat(anonymousRead.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(anonymousRead.headers().firstValue("Cache-Control")).isEmpty();

        var personalRead = get(server.port(), "/things/t1", "Authorization", "Bearer x");
        assertThat(personalRead.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(personalRead.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");

        var write = post("/things", "application/json", "{\"product_id\":\"" + UUID.randomUUID() + "\",\"quantity\":2}");
        assertThat(write.statusCode()).isEqualTo(201);
        assertThat(write.headers().firstValue("Cache-Control")).hasValue("no-store");

        // error answers: the error handler resets headers, answers below the routing have none of the filter's
        for (var error : List.of(get(server.port(), "/things/fail/missing", "Authorization", "Bearer x"),
                                 get(server.port(), "/things/fail/boom", "Authorization", "Bearer x"),
                                 post("/things", "application/json", "{"))) {
            assertThat(error.headers().firstValue("X-Content-Type-Options")).as(error.uri().toString()).hasValue("nosniff");
            assertThat(error.headers().firstValue("Cache-Control")).as(error.uri().toString()).hasValue("no-store");
        }
        assertThat(get(server.port(), "/no/such/route").headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        var badRequestLine = TestHttp.raw(server.port(), "GET", "/things/t1 x", null, null);
        assertThat(badRequestLine.status()).isEqualTo(400);
        assertThat(badRequestLine.header("X-Content-Type-Options")).hasValue("nosniff");
    }

    @Test
    void onlyThePlainSpellingOfAPathReachesItsRoute() {
        assertThat(TestHttp.raw(server.port(), "GET", "/things/t1", null, null).status()).isEqualTo(200);
        assertThat(TestHttp.raw(server.port(), "GET", "/things/a%20b", null, null).status()).isEqualTo(200);
        for (String spelling : List.of("/things/t1;x", "/things;x/t1", "/things/%74%31", "/%74hings/t1", "/things/x/../t1",
                                       "/things/./t1", "/things//t1", "/things/%2e%2e/things/t1", "/things/a%2Fb",
                                       "/things/a%2fb", "/things/a%5Cb", "/things/t%7E1")) {
            var res = TestHttp.raw(server.port(), "GET", spelling, null, null);
            assertThat(res.status()).as(spelling).isEqualTo(400);
            assertThat(res.body()).as(spelling).contains("canonical");
        }
        assertThat(TestHttp.raw(server.port(), "GET", "/things/t1%", null, null).status()).isEqualTo(400);
    }

    @Test
    void validBodyIsMappedToRecord() throws Exception {
        var res = post("/things", "application/json", "{\"product_id\":\"" + UUID.randomUUID() + "\",\"quantity\":2}");
        assertThat(res.statusCode()).isEqualTo(201);
        assertThat(json(res).get("quantity").asInt()).isEqualTo(2);
    }

    @Test
    void everyOffendingFieldIsNamedUnknownOnesIncluded() throws Exception {
        var res = post("/things", "application/json", "{\"quantity\":100,\"role\":\"admin\",\"price\":1}");
        assertProblem(res, 400);
        assertThat(json(res).get("errors").findValuesAsText("field"))
                .containsExactly("product_id", "quantity", "role", "price");
    }

    @Test
    void malformedJsonIs400() throws Exception {
        var res = post("/things", "application/json", "{\"quantity\": ");
        assertProblem(res, 400);
        assertThat(json(res).get("detail").asText()).startsWith("malformed JSON");
    }

    @Test
    void wrongContentTypeIs415() throws Exception {
        assertProblem(post("/things", "text/plain", "{}"), 415);
        assertProblem(post("/things", "application/json; charset=utf-8", "[]"), 400);
    }

    @Test
    void bodyOverOneMebibyteIs413WithContentLength() throws Exception {
        byte[] big = new byte[2 * 1024 * 1024];
        // as a careful client does: the 413 comes before the body is sent. Without it the server's
        // close races the upload and the client may see a reset instead of the answer.
        var res = CLIENT.send(HttpRequest.newBuilder(uri(server.port(), "/things")).expectContinue(true)
                .header("Content-Type", "application/json").header("X-Request-ID", "big-1")
                .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build(), HttpResponse.BodyHandlers.ofString());
        assertProblem(res, 413);
        assertThat(res.headers().firstValue("X-Request-ID")).hasValue("big-1");
    }

    @Test
    void chunkedBodyOverOneMebibyteIs413() throws Exception {
        // just over the limit: the server has then read the whole upload when it answers and closes
        byte[] big = new byte[1024 * 1024 + 1];
        java.util.Arrays.fill(big, (byte) ' ');
        var res = CLIENT.send(HttpRequest.newBuilder(uri(server.port(), "/things"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertProblem(res, 413);
    }

    @Test
    void errorsAreProblemsWithoutInternals() throws Exception {
        var boom = get(server.port(), "/things/fail/boom");
        assertProblem(boom, 500);
        assertThat(boom.body()).doesNotContain("secret").doesNotContain("IllegalState")
                .contains(boom.headers().firstValue("X-Request-ID").orElseThrow());

        assertProblem(get(server.port(), "/things/fail/missing"), 404);
        var conflict = get(server.port(), "/things/fail/conflict");
        assertProblem(conflict, 409);
        assertThat(json(conflict).get("available").asInt()).isEqualTo(3);
        assertProblem(get(server.port(), "/things/fail/peer"), 503);
        assertProblem(get(server.port(), "/things/fail/slow-peer"), 504);
        var busy = get(server.port(), "/things/fail/busy");
        assertProblem(busy, 503);
        assertThat(busy.headers().firstValue("Retry-After")).hasValue("1");
        var unauthorized = get(server.port(), "/things/fail/unauthorized");
        assertProblem(unauthorized, 401);
        assertThat(unauthorized.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertProblem(get(server.port(), "/no/such/route"), 404);
    }

    @Test
    void pagingIsValidated() throws Exception {
        var ok = get(server.port(), "/things/list/page?page=2&size=5");
        assertThat(json(ok)).isEqualTo(Json.mapper().readTree("{\"items\":[\"a\"],\"page\":2,\"size\":5,\"total\":1}"));
        var bad = get(server.port(), "/things/list/page?page=0&size=101");
        assertProblem(bad, 400);
        assertThat(json(bad).get("errors").findValuesAsText("field")).containsExactly("page", "size");
    }

    @Test
    void openApiOnServicePort() throws Exception {
        var res = get(server.port(), "/openapi");
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body()).contains("Kedai platform test service");
    }

    @Test
    void healthAndMetricsOnAdminPortOnly() throws Exception {
        assertThat(get(server.adminPort(), "/observe/health/live").statusCode()).isEqualTo(200);
        assertThat(get(server.adminPort(), "/observe/health/started").statusCode()).isEqualTo(200);
        assertThat(get(server.adminPort(), "/observe/health/ready").statusCode()).isEqualTo(200);
        DB_UP.set(false);
        try {
            assertThat(get(server.adminPort(), "/observe/health/ready").statusCode()).isEqualTo(503);
            assertThat(get(server.adminPort(), "/observe/health/live").statusCode()).isEqualTo(200);
        } finally {
            DB_UP.set(true);
        }
        for (String path : List.of("/observe/health", "/observe/health/ready", "/observe/metrics")) {
            assertThat(get(server.port(), path).statusCode()).as(path).isEqualTo(404);
        }
        assertThat(get(server.adminPort(), "/things/t1").statusCode()).isEqualTo(404);
    }

    @Test
    void redMetricsUseRouteTemplates() throws Exception {
        get(server.port(), "/things/abc");
        get(server.port(), "/things/fail/boom");
        get(server.port(), "/nowhere/" + UUID.randomUUID());
        var metrics = CLIENT.send(HttpRequest.newBuilder(uri(server.adminPort(), "/observe/metrics"))
                .header("Accept", "text/plain").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        String text = metrics.body();
        assertThat(text).containsPattern("http_server_requests_seconds_bucket\\{[^}]*route=\"/things/\\{thing_id}\"[^}]*status=\"200\"");
        assertThat(text).containsPattern("http_server_requests_seconds_bucket\\{[^}]*le=\"0\\.25\"");
        assertThat(text).containsPattern("kedai_http_requests_total\\{[^}]*route=\"/things/\\{thing_id}\"[^}]*status_class=\"2xx\"");
        assertThat(text).containsPattern("kedai_http_errors_total\\{[^}]*route=\"/things/fail/boom\"[^}]*status=\"500\"");
        assertThat(text).containsPattern("route=\"UNMATCHED\"").doesNotContain("/nowhere/");
        assertThat(text).doesNotContainPattern("http_server_requests_seconds\\{[^}]*quantile=");
    }

    private static void assertProblem(HttpResponse<String> res, int status) throws Exception {
        assertThat(res.statusCode()).as(res.body()).isEqualTo(status);
        assertThat(res.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(res.headers().firstValue("X-Request-ID")).isPresent();
        JsonNode body = json(res);
        assertThat(body.get("status").asInt()).isEqualTo(status);
        assertThat(body.has("type")).isTrue();
        assertThat(body.has("title")).isTrue();
    }

    private static JsonNode json(HttpResponse<String> res) throws Exception {
        return Json.mapper().readTree(res.body());
    }

    private static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static HttpResponse<String> get(int port, String path, String... headers) throws Exception {
        var b = HttpRequest.newBuilder(uri(port, path));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String contentType, String body) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(uri(server.port(), path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}

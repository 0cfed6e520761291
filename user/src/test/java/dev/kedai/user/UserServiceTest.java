package dev.kedai.user;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Timestamp;
import dev.kedai.contracts.Topics;
import dev.kedai.infra.DbAccount;
import dev.kedai.infra.KafkaTopics;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.grpc.DefaultDeadline;
import dev.kedai.platform.http.Json;
import dev.kedai.platform.security.TestTokens;
import dev.kedai.platform.server.KedaiServer;
import dev.kedai.platform.testing.TestHttp;
import dev.kedai.platform.testing.TestIdentities;
import dev.kedai.platform.testing.TestServiceConfig;
import dev.kedai.proto.auth.v1.UserRegistered;
import dev.kedai.proto.user.v1.GetAddressRequest;
import dev.kedai.proto.user.v1.GetUserRequest;
import dev.kedai.proto.user.v1.UserServiceGrpc;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.kedai.platform.testing.TestHttp.assertProblem;
import static dev.kedai.platform.testing.TestHttp.fieldsOf;
import static dev.kedai.platform.testing.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UserServiceTest {

    private static final String SITI = "00000000-0000-4000-8000-0000000000a1";
    private static final String BUDI = "00000000-0000-4000-8000-0000000000b2";

    private static TestTokens tokens;
    private static KedaiServer server;
    private static TestHttp http;
    private static DbAccount db;

    @BeforeAll
    static void start() throws Exception {
        tokens = TestTokens.start();
        DbAccount db = TestInfra.newDatabase("user");
        KafkaTopics.ensure(TestInfra.get().kafkaBootstrap(), List.of(TestServiceConfig.topic(Topics.AUTH_USER)), 1);
        UserServiceTest.db = db;
        // a group of its own: a stack running on the same Kafka must not take this test's events
        // GetUser has no caller among the services: the test reads it as an operator's tool granted by config
        server = Main.start(TestServiceConfig.of(db, tokens, Map.of("events.group", "user-test-" + UUID.randomUUID(),
                "grpc.allow.0.method", "kedai.user.v1.UserService/GetUser", "grpc.allow.0.callers.0", "ops-tool")));
        http = new TestHttp(server.port());
        try (var c = DriverManager.getConnection(db.url(), db.user(), db.password()); var s = c.createStatement()) {
            s.executeUpdate("""
                    INSERT INTO profiles (user_id, email, name, phone, created_at) VALUES
                    ('%s', 'siti@example.com', 'Siti', '+628123', '2026-01-02 03:04:05.678'),
                    ('%s', 'budi@example.com', 'Budi', NULL, '2026-01-03 00:00:00')""".formatted(SITI, BUDI));
        }
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
        tokens.close();
    }

    private static String[] bearer(String userId, String role) {
        return new String[] {"Authorization", "Bearer " + tokens.mint(userId, role)};
    }

    @Test
    void meNeedsATokenThenAnswersTheProfileOr404() {
        assertProblem(http.get("/users/me"), 401);
        var me = http.get("/users/me", bearer(SITI, "customer"));
        assertThat(me.statusCode()).isEqualTo(200);
        JsonNode body = json(me);
        assertThat(body.get("user_id").asText()).isEqualTo(SITI);
        assertThat(body.get("email").asText()).isEqualTo("siti@example.com");
        assertThat(body.get("phone").asText()).isEqualTo("+628123");
        assertThat(body.get("created_at").asText()).matches("2026-01-0[23]T\\d\\d:\\d\\d:05\\.678Z");
        assertProblem(http.get("/users/me", bearer(UUID.randomUUID().toString(), "customer")), 404);
    }

    @Test
    void listIsForAdminsOnly() {
        assertProblem(http.get("/users"), 401);
        assertProblem(http.get("/users", bearer(SITI, "customer")), 403);
        // other tests add profiles (and replayed events from the shared topic may too): Siti and Budi are the oldest
        JsonNode page = json(http.get("/users?size=100", bearer(UUID.randomUUID().toString(), "admin")));
        assertThat(page.get("total").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(page.get("items").findValuesAsText("user_id")).contains(SITI, BUDI);
        var bad = http.get("/users?size=1000", bearer(UUID.randomUUID().toString(), "admin"));
        assertProblem(bad, 400);
        assertThat(fieldsOf(bad)).containsExactly("size");
        assertThat(json(http.get("/users/" + SITI, bearer(UUID.randomUUID().toString(), "admin"))).get("name").asText())
                .isEqualTo("Siti");
        assertProblem(http.get("/users/" + SITI, bearer(BUDI, "customer")), 403);
    }

    @Test
    void grpcAnswersOnlyTheServicesEachMethodNamesAndNeverStrangers() {
        String target = "127.0.0.1:" + server.grpcPort().orElseThrow();
        var address = GetAddressRequest.newBuilder().setUserId(SITI).setAddressId(UUID.randomUUID().toString()).build();
        var user = GetUserRequest.newBuilder().setUserId(SITI).build();
        assertThat(TestIdentities.codeOf(TestIdentities.anonymous(target), c -> UserServiceGrpc.newBlockingStub(c).getAddress(address)))
                .isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(TestIdentities.codeOf(TestIdentities.anonymous(target), c -> UserServiceGrpc.newBlockingStub(c).getUser(user)))
                .isEqualTo(Status.Code.UNAUTHENTICATED);
        for (String service : List.of("stock", "product", "auth", "user")) {
            assertThat(TestIdentities.codeOf(TestIdentities.open(service, target), c -> UserServiceGrpc.newBlockingStub(c).getAddress(address)))
                    .as(service).isEqualTo(Status.Code.PERMISSION_DENIED);
        }
        for (String service : List.of("cartorder", "stock", "product", "auth", "user")) {
            assertThat(TestIdentities.codeOf(TestIdentities.open(service, target), c -> UserServiceGrpc.newBlockingStub(c).getUser(user)))
                    .as(service).isEqualTo(Status.Code.PERMISSION_DENIED);
        }
        // cartorder is let through to the handler: the address is not Siti's, so NOT_FOUND, not a refusal
        assertThat(TestIdentities.codeOf(TestIdentities.open("cartorder", target), c -> UserServiceGrpc.newBlockingStub(c).getAddress(address)))
                .isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void grpcGetUser() {
        ManagedChannel channel = TestIdentities.open("ops-tool", "127.0.0.1:" + server.grpcPort().orElseThrow());
        try {
            var stub = UserServiceGrpc.newBlockingStub(ClientInterceptors.intercept(channel, new DefaultDeadline(Duration.ofSeconds(5))));
            var user = stub.getUser(GetUserRequest.newBuilder().setUserId(BUDI).build());
            assertThat(user.getName()).isEqualTo("Budi");
            assertThat(user.getPhone()).isEmpty();
            assertThat(user.getCreatedAt().getSeconds()).isPositive();
            assertThatThrownBy(() -> stub.getUser(GetUserRequest.newBuilder().setUserId(UUID.randomUUID().toString()).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void readyOpenApiAndOversizeBody() {
        var ready = new TestHttp(server.adminPort()).get("/observe/health/ready");
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(http.get("/openapi").body()).contains("/users/me");
        assertProblem(http.postOversize("/users/me", "application/json", new byte[2 * 1024 * 1024]), 413);
    }

    // ---- helpers for profiles made from events

    private static final KafkaProducer<String, byte[]> PRODUCER = producer();

    private static KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfra.get().kafkaBootstrap());
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** Publishes UserRegistered as auth's outbox relay does (CloudEvents binary headers). */
    private static void publishRegistered(String eventId, String userId, String email, String name) throws Exception {
        Instant now = Instant.now();
        byte[] payload = UserRegistered.newBuilder().setUserId(userId).setEmail(email).setName(name)
                .setRegisteredAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond())).build().toByteArray();
        var record = new ProducerRecord<>(TestServiceConfig.topic(Topics.AUTH_USER), userId, payload);
        record.headers().add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8))
                .add("ce_id", eventId.getBytes(StandardCharsets.UTF_8))
                .add("ce_source", "kedai-auth".getBytes(StandardCharsets.UTF_8))
                .add("ce_type", "kedai.auth.v1.UserRegistered".getBytes(StandardCharsets.UTF_8))
                .add("content-type", "application/protobuf".getBytes(StandardCharsets.UTF_8));
        PRODUCER.send(record).get(10, TimeUnit.SECONDS);
    }

    /** A user whose profile exists, created through the event path. */
    private static String registeredUser(String name) throws Exception {
        String userId = UUID.randomUUID().toString();
        publishRegistered(UUID.randomUUID().toString(), userId, userId.substring(0, 8) + "@example.com", name);
        Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> http.get("/users/me", bearer(userId, "customer")).statusCode() == 200);
        return userId;
    }

    private static HttpResponse<String> send(String method, String path, Object body, String userId) {
        byte[] bytes = body instanceof String text ? text.getBytes(StandardCharsets.UTF_8) : Json.bytes(body);
        return http.send(HttpRequest.newBuilder(http.uri(path)).header("Content-Type", "application/json")
                                 .method(method, HttpRequest.BodyPublishers.ofByteArray(bytes)),
                         bearer(userId, "customer"));
    }

    private static long count(String sql) throws Exception {
        try (var c = DriverManager.getConnection(db.url(), db.user(), db.password());
             var rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Map<String, Object> address(String label) {
        Map<String, Object> a = new HashMap<>();
        a.put("label", label);
        a.put("recipient", "Siti Rahayu");
        a.put("line1", "Jl. Sudirman No. 1");
        a.put("city", "Jakarta");
        a.put("postal_code", "10220");
        a.put("country", "ID");
        return a;
    }

    // ---- the UserRegistered consumer

    @Test
    void userRegisteredCreatesTheProfileOnceEvenWhenDeliveredAgain() throws Exception {
        String userId = UUID.randomUUID().toString();
        String eventId = UUID.randomUUID().toString();
        publishRegistered(eventId, userId, "dewi@example.com", "Dewi Lestari 🌺");
        Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> http.get("/users/me", bearer(userId, "customer")).statusCode() == 200);
        JsonNode me = json(http.get("/users/me", bearer(userId, "customer")));
        assertThat(me.get("email").asText()).isEqualTo("dewi@example.com");
        assertThat(me.get("name").asText()).isEqualTo("Dewi Lestari 🌺");
        // the user edits the profile; then the same event is redelivered (same ce_id), and another
        // event for the same user arrives (new ce_id): neither creates a second profile or undoes the edit
        assertThat(send("PATCH", "/users/me", Map.of("name", "Dewi L."), userId).statusCode()).isEqualTo(200);
        publishRegistered(eventId, userId, "dewi@example.com", "Dewi Lestari 🌺");
        String secondId = UUID.randomUUID().toString();
        publishRegistered(secondId, userId, "dewi@example.com", "Someone Else");
        // same key, same partition: once the second id is processed, the redelivery before it was too
        Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> count("SELECT COUNT(*) FROM processed_events WHERE event_id = '" + secondId + "'") == 1);
        assertThat(count("SELECT COUNT(*) FROM profiles WHERE user_id = '" + userId + "'")).isEqualTo(1);
        assertThat(json(http.get("/users/me", bearer(userId, "customer"))).get("name").asText()).isEqualTo("Dewi L.");
    }

    // ---- PATCH /users/me

    @Test
    void patchChangesNameAndPhoneAndUnicodeRoundTrips() throws Exception {
        String userId = registeredUser("Initial");
        var res = send("PATCH", "/users/me", Map.of("name", "Nguyễn Thị Ánh 李小龍 🌸", "phone", "+6281234567890"), userId);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(json(res).get("name").asText()).isEqualTo("Nguyễn Thị Ánh 李小龍 🌸");
        JsonNode me = json(http.get("/users/me", bearer(userId, "customer")));
        assertThat(me.get("name").asText()).isEqualTo("Nguyễn Thị Ánh 李小龍 🌸");
        assertThat(me.get("phone").asText()).isEqualTo("+6281234567890");
        // only what is sent changes; "phone": null removes the phone
        assertThat(json(send("PATCH", "/users/me", Map.of("name", "Ánh"), userId)).get("phone").asText())
                .isEqualTo("+6281234567890");
        Map<String, Object> clear = new HashMap<>();
        clear.put("phone", null);
        JsonNode cleared = json(send("PATCH", "/users/me", clear, userId));
        assertThat(cleared.get("phone").isNull()).isTrue();
        assertThat(cleared.get("name").asText()).isEqualTo("Ánh");
    }

    @Test
    void patchWithUnknownFieldsIs400NamingThemAndChangesNothing() throws Exception {
        String userId = registeredUser("Before");
        var res = send("PATCH", "/users/me", Map.of("name", "After", "role", "admin", "email", "x@evil.test"), userId);
        assertProblem(res, 400);
        assertThat(fieldsOf(res)).containsExactlyInAnyOrder("role", "email");
        JsonNode me = json(http.get("/users/me", bearer(userId, "customer")));
        assertThat(me.get("name").asText()).isEqualTo("Before");
        assertThat(me.get("email").asText()).isEqualTo(userId.substring(0, 8) + "@example.com");
    }

    @Test
    void patchValidatesEveryField() throws Exception {
        String userId = registeredUser("Valid");
        Map<String, Object> nullName = new HashMap<>();
        nullName.put("name", null);
        assertThat(fieldsOf(send("PATCH", "/users/me", nullName, userId))).containsExactly("name");
        assertThat(fieldsOf(send("PATCH", "/users/me", Map.of("name", "", "phone", "0812"), userId)))
                .containsExactly("name", "phone");
        assertThat(fieldsOf(send("PATCH", "/users/me", Map.of("name", "x".repeat(101), "phone", 6281234567L), userId)))
                .containsExactly("name", "phone");
        assertThat(fieldsOf(send("PATCH", "/users/me", Map.of("name", "   ", "phone", "+62 812 3456"), userId)))
                .containsExactly("name", "phone");
        assertThat(fieldsOf(send("PATCH", "/users/me", Map.of("name", "tab\tname"), userId))).containsExactly("name");
        assertProblem(send("PATCH", "/users/me", "{\"name\":", userId), 400);
        assertProblem(send("PATCH", "/users/me", "[]", userId), 400);
        assertProblem(http.send(HttpRequest.newBuilder(http.uri("/users/me")).header("Content-Type", "text/plain")
                                        .method("PATCH", HttpRequest.BodyPublishers.ofString("x")),
                                bearer(userId, "customer")), 415);
        assertProblem(send("PATCH", "/users/me", Map.of("name", "X"), UUID.randomUUID().toString()), 404);
        assertThat(json(http.get("/users/me", bearer(userId, "customer"))).get("name").asText()).isEqualTo("Valid");
    }

    // ---- addresses

    @Test
    void addressesCrudAndAnotherUsersAddressIs404() throws Exception {
        String owner = UUID.randomUUID().toString();
        String stranger = UUID.randomUUID().toString();
        assertProblem(http.get("/users/me/addresses"), 401);
        assertThat(json(http.get("/users/me/addresses", bearer(owner, "customer"))).get("items")).isEmpty();

        var created = send("POST", "/users/me/addresses", address("Rumah — 家"), owner);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode a = json(created);
        String id = a.get("address_id").asText();
        assertThat(a.get("label").asText()).isEqualTo("Rumah — 家");
        assertThat(a.get("country").asText()).isEqualTo("ID");
        send("POST", "/users/me/addresses", address("Kantor"), owner);
        JsonNode list = json(http.get("/users/me/addresses", bearer(owner, "customer"))).get("items");
        assertThat(list.findValuesAsText("label")).containsExactly("Rumah — 家", "Kantor");
        assertThat(json(http.get("/users/me/addresses/" + id, bearer(owner, "customer"))).get("postal_code").asText())
                .isEqualTo("10220");

        // the stranger sees nothing and can delete nothing: 404, not 403
        assertThat(json(http.get("/users/me/addresses", bearer(stranger, "customer"))).get("items")).isEmpty();
        assertProblem(http.get("/users/me/addresses/" + id, bearer(stranger, "customer")), 404);
        assertProblem(send("DELETE", "/users/me/addresses/" + id, "", stranger), 404);
        assertThat(json(http.get("/users/me/addresses", bearer(owner, "customer"))).get("items")).hasSize(2);

        assertThat(send("DELETE", "/users/me/addresses/" + id, "", owner).statusCode()).isEqualTo(204);
        assertProblem(send("DELETE", "/users/me/addresses/" + id, "", owner), 404);
        assertThat(json(http.get("/users/me/addresses", bearer(owner, "customer"))).get("items").findValuesAsText("label"))
                .containsExactly("Kantor");
        var badId = send("DELETE", "/users/me/addresses/not-a-uuid", "", owner);
        assertProblem(badId, 400);
        assertThat(fieldsOf(badId)).containsExactly("address_id");
    }

    @Test
    void addressFieldsAreValidated() {
        String owner = UUID.randomUUID().toString();
        Map<String, Object> bad = new HashMap<>();
        bad.put("label", "");
        bad.put("recipient", "r".repeat(101));
        bad.put("line1", "  ");
        bad.put("city", 12);
        bad.put("postal_code", "!!");
        bad.put("country", "XX");
        bad.put("user_id", UUID.randomUUID().toString());
        var res = send("POST", "/users/me/addresses", bad, owner);
        assertProblem(res, 400);
        assertThat(fieldsOf(res)).containsExactly("label", "recipient", "line1", "city", "postal_code", "country", "user_id");
        assertThat(fieldsOf(send("POST", "/users/me/addresses", Map.of(), owner)))
                .containsExactly("label", "recipient", "line1", "city", "postal_code", "country");
        Map<String, Object> lower = address("Home");
        lower.put("country", "id");
        lower.put("postal_code", "12345678901");
        assertThat(fieldsOf(send("POST", "/users/me/addresses", lower, owner))).containsExactly("postal_code", "country");
        Map<String, Object> uk = address("London");
        uk.put("postal_code", "sw1a 1aa");
        uk.put("country", "GB");
        assertThat(json(send("POST", "/users/me/addresses", uk, owner)).get("postal_code").asText()).isEqualTo("SW1A 1AA");
        assertThat(json(http.get("/users/me/addresses", bearer(owner, "customer"))).get("items")).hasSize(1);
    }

    @Test
    void atMostTwentyAddressesPerUser() {
        String owner = UUID.randomUUID().toString();
        for (int i = 0; i < 20; i++) {
            assertThat(send("POST", "/users/me/addresses", address("a" + i), owner).statusCode()).isEqualTo(201);
        }
        assertProblem(send("POST", "/users/me/addresses", address("one too many"), owner), 409);
    }

    @Test
    void grpcGetAddressOnlyForItsOwner() {
        String owner = UUID.randomUUID().toString();
        String id = json(send("POST", "/users/me/addresses", address("Rumah"), owner)).get("address_id").asText();
        ManagedChannel channel = TestIdentities.open("cartorder", "127.0.0.1:" + server.grpcPort().orElseThrow());
        try {
            var stub = UserServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
            var address = stub.getAddress(GetAddressRequest.newBuilder().setUserId(owner).setAddressId(id).build());
            assertThat(address.getCity()).isEqualTo("Jakarta");
            assertThat(address.getUserId()).isEqualTo(owner);
            for (var request : List.of(
                    GetAddressRequest.newBuilder().setUserId(UUID.randomUUID().toString()).setAddressId(id).build(),
                    GetAddressRequest.newBuilder().setUserId(owner).setAddressId(UUID.randomUUID().toString()).build(),
                    GetAddressRequest.newBuilder().setUserId("").setAddressId("garbage").build())) {
                assertThatThrownBy(() -> UserServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                        .getAddress(request))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
            }
        } finally {
            channel.shutdownNow();
        }
    }

    /** A sweep of hostile inputs over every route: each gets a 4xx problem, never a 5xx. */
    @Test
    void noInputProducesA5xx() {
        String user = UUID.randomUUID().toString();
        List<String> bodies = List.of("", "null", "1", "\"x\"", "{", "{}", "{\"a\":1,\"a\":2}", "[{}]",
                "{\"name\":{\"$gt\":\"\"}}", "{\"name\":\"" + "é".repeat(5000) + "\"}",
                "{\"label\":\"\\u0000\",\"country\":null}", "{\"phone\":\"+1' OR '1'='1\"}");
        for (String body : bodies) {
            for (String[] route : new String[][] {{"PATCH", "/users/me"}, {"POST", "/users/me/addresses"}}) {
                var res = send(route[0], route[1], body, user);
                assertThat(res.statusCode()).as(route[0] + " " + route[1] + " " + body + " -> " + res.body())
                        .isBetween(400, 499);
            }
        }
        for (String path : List.of("/users/me/addresses/%27%20OR%201=1", "/users/%00", "/users/me/addresses/" + "9".repeat(300),
                                   "/users?page=-1", "/users?size=abc", "/users?page=99999999999999999999")) {
            var res = http.get(path, bearer(user, "admin"));
            assertThat(res.statusCode()).as(path + " -> " + res.body()).isBetween(400, 499);
        }
        var noToken = http.send(HttpRequest.newBuilder(http.uri("/users/me")).header("Authorization", "Bearer x.y.z").GET());
        assertProblem(noToken, 401);
    }
}

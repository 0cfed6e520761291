package dev.kedai.user;

import java.sql.DriverManager;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.infra.DbAccount;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.grpc.GrpcChannels;
import dev.kedai.platform.security.TestTokens;
import dev.kedai.platform.server.KedaiServer;
import dev.kedai.platform.testing.TestHttp;
import dev.kedai.platform.testing.TestServiceConfig;
import dev.kedai.proto.user.v1.GetUserRequest;
import dev.kedai.proto.user.v1.UserServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
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

    @BeforeAll
    static void start() throws Exception {
        tokens = TestTokens.start();
        DbAccount db = TestInfra.newDatabase("user");
        server = Main.start(TestServiceConfig.of(db, tokens, Map.of()));
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
        JsonNode page = json(http.get("/users?size=1", bearer(UUID.randomUUID().toString(), "admin")));
        assertThat(page.get("total").asLong()).isEqualTo(2);
        assertThat(page.get("items").findValuesAsText("user_id")).containsExactly(BUDI);
        var bad = http.get("/users?size=1000", bearer(UUID.randomUUID().toString(), "admin"));
        assertProblem(bad, 400);
        assertThat(fieldsOf(bad)).containsExactly("size");
        assertThat(json(http.get("/users/" + SITI, bearer(UUID.randomUUID().toString(), "admin"))).get("name").asText())
                .isEqualTo("Siti");
        assertProblem(http.get("/users/" + SITI, bearer(BUDI, "customer")), 403);
    }

    @Test
    void grpcGetUser() {
        ManagedChannel channel = GrpcChannels.open("127.0.0.1:" + server.grpcPort().orElseThrow());
        try {
            var stub = UserServiceGrpc.newBlockingStub(GrpcChannels.withDefaultDeadline(channel, Duration.ofSeconds(5)));
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
}

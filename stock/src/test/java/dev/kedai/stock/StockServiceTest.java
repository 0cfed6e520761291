package dev.kedai.stock;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.infra.DbAccount;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.grpc.DefaultDeadline;
import dev.kedai.platform.security.TestTokens;
import dev.kedai.platform.server.KedaiServer;
import dev.kedai.platform.testing.TestHttp;
import dev.kedai.platform.testing.TestIdentities;
import dev.kedai.platform.testing.TestServiceConfig;
import dev.kedai.proto.stock.v1.GetLevelsRequest;
import dev.kedai.proto.stock.v1.GetLevelsResponse;
import dev.kedai.proto.stock.v1.Line;
import dev.kedai.proto.stock.v1.ReleaseRequest;
import dev.kedai.proto.stock.v1.ReserveRequest;
import dev.kedai.proto.stock.v1.StockServiceGrpc;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.DriverManager;

import static dev.kedai.platform.testing.TestHttp.assertProblem;
import static dev.kedai.platform.testing.TestHttp.fieldsOf;
import static dev.kedai.platform.testing.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StockServiceTest {

    private static final String A = "00000000-0000-4000-8000-00000000000a";
    private static final String B = "00000000-0000-4000-8000-00000000000b";
    private static final String C = "00000000-0000-4000-8000-00000000000c";

    private static TestTokens tokens;
    private static KedaiServer server;
    private static TestHttp http;

    @BeforeAll
    static void start() throws Exception {
        tokens = TestTokens.start();
        DbAccount db = TestInfra.newDatabase("stock");
        // GetLevels has no caller among the services: the test reads it as an operator's tool granted by config
        server = Main.start(TestServiceConfig.of(db, tokens, Map.of(
                "grpc.allow.0.method", "kedai.stock.v1.StockService/GetLevels", "grpc.allow.0.callers.0", "ops-tool")));
        http = new TestHttp(server.port());
        try (var c = DriverManager.getConnection(db.url(), db.user(), db.password()); var s = c.createStatement()) {
            s.executeUpdate("INSERT INTO stock_levels (product_id, on_hand, reserved) VALUES "
                    + "('" + A + "', 10, 3), ('" + B + "', 5, 0), ('" + C + "', 0, 0)");
        }
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
        tokens.close();
    }

    @Test
    void pagedListOfLevels() {
        HttpResponse<String> res = http.get("/stock?page=1&size=2");
        assertThat(res.statusCode()).isEqualTo(200);
        JsonNode body = json(res);
        assertThat(body.get("total").asLong()).isEqualTo(3);
        assertThat(body.get("page").asInt()).isEqualTo(1);
        assertThat(body.get("size").asInt()).isEqualTo(2);
        assertThat(body.get("items").findValuesAsText("product_id")).containsExactly(A, B);
        assertThat(body.get("items").get(0)).isEqualTo(parse("{\"product_id\":\"" + A + "\",\"on_hand\":10,\"reserved\":3,\"available\":7}"));
        assertThat(json(http.get("/stock?page=2&size=2")).get("items").findValuesAsText("product_id")).containsExactly(C);
    }

    @Test
    void listOfGivenIdsLeavesUnknownOut() {
        JsonNode body = json(http.get("/stock?product_id=" + B + "," + UUID.randomUUID() + "," + A.toUpperCase()));
        assertThat(body.fieldNames()).toIterable().containsExactly("items");
        assertThat(body.get("items").findValuesAsText("product_id")).containsExactly(A, B);
    }

    @Test
    void oneLevelOr404() {
        HttpResponse<String> res = http.get("/stock/" + B);
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(json(res).get("available").asLong()).isEqualTo(5);
        assertProblem(http.get("/stock/" + UUID.randomUUID()), 404);
    }

    @Test
    void badInputIs400NamingTheField() {
        var size = http.get("/stock?size=0");
        assertProblem(size, 400);
        assertThat(fieldsOf(size)).containsExactly("size");
        var page = http.get("/stock?page=x&size=101");
        assertProblem(page, 400);
        assertThat(fieldsOf(page)).containsExactly("page", "size");
        var malformed = http.get("/stock/not-a-uuid");
        assertProblem(malformed, 400);
        assertThat(fieldsOf(malformed)).containsExactly("product_id");
        assertThat(fieldsOf(http.get("/stock?product_id=" + A + ",nope"))).containsExactly("product_id");
    }

    @Test
    void oversizeBodyIs413AndBadTokenIs401() {
        assertProblem(http.postOversize("/stock", "application/json", new byte[2 * 1024 * 1024]), 413);
        // a well-formed token signed by a key auth never published
        assertProblem(http.get("/stock", "Authorization", "Bearer " + tokens.mintWithForeignKey(b -> b.subject("u1"))), 401);
        assertThat(http.get("/stock", "Authorization", "Bearer " + tokens.mint("u1", "customer")).statusCode()).isEqualTo(200);
    }

    @Test
    void grpcAnswersOnlyCartorderAndNeverStrangers() {
        String target = "127.0.0.1:" + server.grpcPort().orElseThrow();
        var reserve = ReserveRequest.newBuilder().setOrderId(UUID.randomUUID().toString())
                .addLines(Line.newBuilder().setProductId(B).setQuantity(1)).build();
        var levels = GetLevelsRequest.newBuilder().addProductIds(A).build();
        assertThat(TestIdentities.codeOf(TestIdentities.anonymous(target), c -> StockServiceGrpc.newBlockingStub(c).reserve(reserve)))
                .isEqualTo(Status.Code.UNAUTHENTICATED);
        for (String service : List.of("product", "user", "auth", "stock")) {
            assertThat(TestIdentities.codeOf(TestIdentities.open(service, target), c -> StockServiceGrpc.newBlockingStub(c).reserve(reserve)))
                    .as(service).isEqualTo(Status.Code.PERMISSION_DENIED);
        }
        assertThat(TestIdentities.codeOf(TestIdentities.open("cartorder", target), c -> StockServiceGrpc.newBlockingStub(c).getLevels(levels)))
                .isEqualTo(Status.Code.PERMISSION_DENIED);
        // nothing was reserved by the refused calls
        assertThat(json(http.get("/stock/" + B)).get("reserved").asInt()).isZero();
    }

    @Test
    void grpcGetLevelsReadsTheDatabase() throws Exception {
        ManagedChannel channel = TestIdentities.open("ops-tool", "127.0.0.1:" + server.grpcPort().orElseThrow());
        try {
            var stub = StockServiceGrpc.newBlockingStub(ClientInterceptors.intercept(channel, new DefaultDeadline(java.time.Duration.ofSeconds(5))));
            GetLevelsResponse levels = stub.getLevels(GetLevelsRequest.newBuilder()
                    .addProductIds(A).addProductIds(UUID.randomUUID().toString()).build());
            assertThat(levels.getLevelsList()).singleElement().satisfies(l -> {
                assertThat(l.getProductId()).isEqualTo(A);
                assertThat(l.getOnHand()).isEqualTo(10);
                assertThat(l.getReserved()).isEqualTo(3);
                assertThat(l.getAvailable()).isEqualTo(7);
            });
            assertThatThrownBy(() -> stub.getLevels(GetLevelsRequest.newBuilder().addProductIds("x").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
            assertThat(TestIdentities.codeOf(TestIdentities.open("cartorder", "127.0.0.1:" + server.grpcPort().orElseThrow()),
                    c -> assertThat(StockServiceGrpc.newBlockingStub(c).release(ReleaseRequest.newBuilder().setOrderId(A).build())
                            .getReleased()).as("nothing reserved for that order: releasing is a no-op").isFalse()))
                    .isEqualTo(Status.Code.OK);
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void readyWithDbKafkaRedisAndOpenApiServed() {
        TestHttp admin = new TestHttp(server.adminPort());
        var ready = admin.get("/observe/health/ready");
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(ready.body()).contains("db", "kafka", "redis");
        assertThat(admin.get("/observe/metrics").statusCode()).isEqualTo(200);
        var openapi = http.get("/openapi");
        assertThat(openapi.statusCode()).isEqualTo(200);
        assertThat(openapi.body()).contains("/stock/{product_id}");
    }

    private static JsonNode parse(String text) {
        try {
            return dev.kedai.platform.http.Json.mapper().readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

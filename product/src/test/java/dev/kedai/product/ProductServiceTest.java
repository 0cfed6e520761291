package dev.kedai.product;

import java.net.http.HttpResponse;
import java.sql.DriverManager;
import java.time.Duration;
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
import dev.kedai.proto.product.v1.GetProductsRequest;
import dev.kedai.proto.product.v1.ProductServiceGrpc;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.kedai.platform.testing.TestHttp.assertProblem;
import static dev.kedai.platform.testing.TestHttp.fieldsOf;
import static dev.kedai.platform.testing.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

class ProductServiceTest {

    private static final String KOPI = "00000000-0000-4000-8000-000000000001";
    private static final String TEH = "00000000-0000-4000-8000-000000000002";
    private static final String BATIK = "00000000-0000-4000-8000-000000000003";
    private static final String GONE = "00000000-0000-4000-8000-000000000004";

    private static TestTokens tokens;
    private static KedaiServer server;
    private static TestHttp http;

    @BeforeAll
    static void start() throws Exception {
        tokens = TestTokens.start();
        DbAccount db = TestInfra.newDatabase("product");
        server = Main.start(TestServiceConfig.of(db, tokens, Map.of()));
        http = new TestHttp(server.port());
        try (var c = DriverManager.getConnection(db.url(), db.user(), db.password()); var s = c.createStatement()) {
            s.executeUpdate("""
                    INSERT INTO products (product_id, sku, name, description, price_amount, category, attributes, active, created_at) VALUES
                    ('%s', 'KOPI-1', 'Kopi Gayo', 'Arabica coffee beans from Aceh highlands', 85000, 'coffee', '{"roast":"medium"}', TRUE, '2026-01-01 00:00:01'),
                    ('%s', 'TEH-1', 'Teh Melati', 'Jasmine tea leaves, also nice with coffee cake', 25000, 'tea', '{}', TRUE, '2026-01-01 00:00:02'),
                    ('%s', 'BATIK-1', 'Batik Tulis', 'Hand-drawn batik cloth', 450000, 'textile', '{}', TRUE, '2026-01-01 00:00:03'),
                    ('%s', 'OLD-1', 'Old coffee', 'Discontinued coffee', 1000, 'coffee', '{}', FALSE, '2026-01-01 00:00:04')
                    """.formatted(KOPI, TEH, BATIK, GONE));
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
    void listsActiveProductsNewestFirstWithFiltersAndSorts() {
        JsonNode all = json(http.get("/products"));
        assertThat(all.get("total").asLong()).isEqualTo(3);
        assertThat(all.get("items").findValuesAsText("product_id")).containsExactly(BATIK, TEH, KOPI);
        JsonNode kopi = all.get("items").get(2);
        assertThat(kopi.get("price").get("amount").asLong()).isEqualTo(85000);
        assertThat(kopi.get("price").get("currency").asText()).isEqualTo("IDR");
        assertThat(kopi.get("attributes").get("roast").asText()).isEqualTo("medium");
        assertThat(kopi.get("active").asBoolean()).isTrue();

        assertThat(json(http.get("/products?sort=price_asc")).get("items").findValuesAsText("product_id"))
                .containsExactly(TEH, KOPI, BATIK);
        assertThat(json(http.get("/products?sort=price_desc&size=1&page=2")).get("items").findValuesAsText("product_id"))
                .containsExactly(KOPI);
        JsonNode coffee = json(http.get("/products?category=coffee"));
        assertThat(coffee.get("items").findValuesAsText("product_id")).containsExactly(KOPI);
        assertThat(coffee.get("total").asLong()).isEqualTo(1);
    }

    @Test
    void fullTextSearchOrdersByRelevance() {
        // both say "coffee" once, only "Kopi Gayo" also says "beans": it ranks first, although "Teh Melati" is
        // newer (the order without q); the deleted "Old coffee" is not listed
        JsonNode found = json(http.get("/products?q=coffee%20beans"));
        assertThat(found.get("items").findValuesAsText("product_id")).containsExactly(KOPI, TEH);
        assertThat(json(http.get("/products?q=coffee")).get("items").findValuesAsText("product_id"))
                .containsExactlyInAnyOrder(KOPI, TEH);
        assertThat(json(http.get("/products?q=batik")).get("items").findValuesAsText("product_id")).containsExactly(BATIK);
        assertThat(json(http.get("/products?q=coffee&sort=price_desc")).get("items").findValuesAsText("product_id"))
                .containsExactly(KOPI, TEH);
    }

    @Test
    void fullTextOperatorsAreTakenLiterallyOrRefusedNamingQ() {
        // every operator of MariaDB's boolean mode (+ - < > ( ) ~ * " @ and @distance), alone, doubled,
        // unbalanced and around words, in natural language mode too: never a 5xx
        java.util.List<String> operators = java.util.List.of("+", "-", "<", ">", "(", ")", "~", "*", "\"", "@", "@2");
        java.util.List<String> queries = new java.util.ArrayList<>();
        for (String op : operators) {
            queries.addAll(java.util.List.of(op, op + op, "coffee" + op, op + "coffee", "coffee " + op + " beans",
                                             op + "coffee" + op));
        }
        queries.addAll(java.util.List.of("\"coffee beans\"", "\"coffee", "((coffee)", "+coffee -tea", "coffee @3",
                                         "@@", "*coffee*", "'coffee'", "\\", "%", "_", "+-<>()~*\"@"));
        for (String q : queries) {
            var res = http.get("/products?q=" + java.net.URLEncoder.encode(q, java.nio.charset.StandardCharsets.UTF_8));
            assertThat(res.statusCode()).as("q=" + q + ": " + res.body()).isIn(200, 400);
            if (res.statusCode() == 400) {
                assertThat(fieldsOf(res)).as("q=" + q).containsExactly("q");
            }
        }
        // taken literally: the words around operators are searched as words
        assertThat(json(http.get("/products?q=%2Bcoffee*")).get("items").findValuesAsText("product_id"))
                .containsExactlyInAnyOrder(KOPI, TEH);
        assertThat(json(http.get("/products?q=%22batik%22")).get("items").findValuesAsText("product_id"))
                .containsExactly(BATIK);
        assertThat(fieldsOf(http.get("/products?q=*"))).containsExactly("q");
    }

    @Test
    void badQueryParametersAreNamed() {
        var bad = http.get("/products?category=Not%20A%20Slug&sort=cheapest&size=0");
        assertProblem(bad, 400);
        assertThat(fieldsOf(bad)).containsExactly("category", "sort", "size");
        assertThat(fieldsOf(http.get("/products?sort=relevance"))).containsExactly("sort");
        assertThat(fieldsOf(http.get("/products/123"))).containsExactly("product_id");
    }

    @Test
    void oneProductWithEtagOr404() {
        HttpResponse<String> res = http.get("/products/" + KOPI);
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(json(res).get("sku").asText()).isEqualTo("KOPI-1");
        String etag = res.headers().firstValue("ETag").orElseThrow();
        assertThat(http.get("/products/" + KOPI, "If-None-Match", etag).statusCode()).isEqualTo(304);
        assertThat(http.get("/products/" + KOPI, "If-None-Match", "\"other\"").statusCode()).isEqualTo(200);
        assertProblem(http.get("/products/" + GONE), 404);
        assertProblem(http.get("/products/" + UUID.randomUUID()), 404);
    }

    @Test
    void categoriesCountActiveProducts() {
        JsonNode body = json(http.get("/categories"));
        assertThat(body.get("items")).hasSize(3);
        assertThat(body.get("items").get(0).get("category").asText()).isEqualTo("coffee");
        assertThat(body.get("items").get(0).get("product_count").asLong()).isEqualTo(1);
    }

    @Test
    void grpcAnswersOnlyCartorderAndStockAndNeverStrangers() {
        String target = "127.0.0.1:" + server.grpcPort().orElseThrow();
        var request = GetProductsRequest.newBuilder().addProductIds(KOPI).build();
        assertThat(TestIdentities.codeOf(TestIdentities.anonymous(target), c -> ProductServiceGrpc.newBlockingStub(c).getProducts(request)))
                .isEqualTo(io.grpc.Status.Code.UNAUTHENTICATED);
        for (String service : List.of("user", "auth", "product")) {
            assertThat(TestIdentities.codeOf(TestIdentities.open(service, target), c -> ProductServiceGrpc.newBlockingStub(c).getProducts(request)))
                    .as(service).isEqualTo(io.grpc.Status.Code.PERMISSION_DENIED);
        }
        for (String service : List.of("cartorder", "stock")) {
            assertThat(TestIdentities.codeOf(TestIdentities.open(service, target), c -> ProductServiceGrpc.newBlockingStub(c).getProducts(request)))
                    .as(service).isEqualTo(io.grpc.Status.Code.OK);
        }
    }

    @Test
    void grpcGetProductsIncludesDeletedLeavesUnknownOut() {
        ManagedChannel channel = TestIdentities.open("cartorder", "127.0.0.1:" + server.grpcPort().orElseThrow());
        try {
            var stub = ProductServiceGrpc.newBlockingStub(ClientInterceptors.intercept(channel, new DefaultDeadline(Duration.ofSeconds(5))));
            var products = stub.getProducts(GetProductsRequest.newBuilder()
                    .addProductIds(KOPI).addProductIds(GONE).addProductIds(UUID.randomUUID().toString()).build());
            assertThat(products.getProductsList()).extracting(p -> p.getProductId()).containsExactly(KOPI, GONE);
            assertThat(products.getProducts(0).getPrice().getAmount()).isEqualTo(85000);
            assertThat(products.getProducts(1).getActive()).isFalse();
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void readyOpenApiAndOversizeBody() {
        var ready = new TestHttp(server.adminPort()).get("/observe/health/ready");
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(http.get("/openapi").body()).contains("/categories");
        assertProblem(http.postOversize("/products", "application/json", new byte[2 * 1024 * 1024]), 413);
    }
}

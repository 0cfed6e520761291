package dev.kedai.product;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.infra.DbAccount;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.security.TestTokens;
import dev.kedai.platform.server.KedaiServer;
import dev.kedai.platform.testing.TestHttp;
import dev.kedai.platform.testing.TestServiceConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static dev.kedai.platform.testing.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The search contract of {@code GET /products?q=} (API.md, docs/search.md), the same for every
 * engine: each subclass runs these tests against one real backend. The catalog is written through
 * the admin API, as a shop's would be, so an engine fed by the product events sees it the same way.
 * What may differ between engines (how soon a write is searchable) is awaited, never slept on.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SearchContract {

    private TestTokens tokens;
    private KedaiServer server;
    private TestHttp http;
    private String admin;
    protected DbAccount db;
    protected io.helidon.config.Config config;
    private String gayo;
    private String toraja;
    private String melati;
    private String batik;
    private String luwak;

    /** The engine's configuration over the test defaults. */
    protected abstract Map<String, String> engine();

    /** Waits until what the service answers searches from agrees with the database. */
    protected abstract void awaitSearchable();

    @BeforeAll
    void start() {
        tokens = TestTokens.start();
        db = TestInfra.newDatabase("product");
        config = TestServiceConfig.of(db, tokens, engine());
        server = Main.start(config);
        http = new TestHttp(server.port());
        admin = "Bearer " + tokens.mint("admin-1", "admin");
        gayo = create("Kopi Gayo", "Arabica coffee beans from the Aceh highlands", 85000, "coffee", "{\"roast\":\"medium\"}");
        toraja = create("Kopi Toraja", "Robusta beans, dark and bitter", 60000, "coffee", "{\"roast\":\"dark\"}");
        melati = create("Teh Melati", "Jasmine tea leaves, nice with kopi cake", 25000, "tea", "{}");
        batik = create("Batik Tulis", "Hand-drawn cloth from Solo", 450000, "textile", "{}");
        luwak = create("Kopi Luwak", "Civet coffee, no longer sold", 900000, "coffee", "{}");
        assertThat(send("DELETE", "/products/" + luwak, null).statusCode()).isEqualTo(204);
        awaitSearchable();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.stop();
        }
        tokens.close();
    }

    @Test
    void aWordMatchesNameOrDescriptionOfActiveProductsOnly() {
        JsonNode kopi = search("q=kopi");
        assertThat(ids(kopi)).containsExactlyInAnyOrder(gayo, toraja, melati);
        assertThat(kopi.get("total").asLong()).isEqualTo(3);
        assertThat(ids(search("q=luwak"))).as("a deleted product is never found").isEmpty();
        assertThat(ids(search("q=solo"))).containsExactly(batik);
        JsonNode none = search("q=durian");
        assertThat(ids(none)).isEmpty();
        assertThat(none.get("total").asLong()).isZero();
    }

    @Test
    void relevanceComesFirst() {
        // both words beat one word, whichever engine scores them
        assertThat(ids(search("q=kopi%20gayo")).getFirst()).isEqualTo(gayo);
        assertThat(ids(search("q=bitter%20kopi")).getFirst()).isEqualTo(toraja);
    }

    @Test
    void hitsShowTheWholeProduct() {
        JsonNode item = search("q=gayo").get("items").get(0);
        assertThat(item.get("product_id").asText()).isEqualTo(gayo);
        assertThat(item.get("name").asText()).isEqualTo("Kopi Gayo");
        assertThat(item.get("price").get("amount").asLong()).isEqualTo(85000);
        assertThat(item.get("price").get("currency").asText()).isEqualTo("IDR");
        assertThat(item.get("category").asText()).isEqualTo("coffee");
        assertThat(item.get("attributes").get("roast").asText()).isEqualTo("medium");
        assertThat(item.get("active").asBoolean()).isTrue();
    }

    @Test
    void filtersAndSortsApplyToHits() {
        assertThat(ids(search("q=kopi&category=coffee"))).containsExactlyInAnyOrder(gayo, toraja);
        assertThat(ids(search("q=kopi&attr.roast=dark"))).containsExactly(toraja);
        assertThat(ids(search("q=kopi&category=textile"))).isEmpty();
        assertThat(ids(search("q=kopi&sort=price_asc"))).containsExactly(melati, toraja, gayo);
        assertThat(ids(search("q=kopi&sort=price_desc"))).containsExactly(gayo, toraja, melati);
    }

    @Test
    void hitsArePaged() {
        JsonNode first = search("q=kopi&sort=price_asc&size=2");
        assertThat(ids(first)).containsExactly(melati, toraja);
        assertThat(first.get("total").asLong()).isEqualTo(3);
        JsonNode second = search("q=kopi&sort=price_asc&size=2&page=2");
        assertThat(ids(second)).containsExactly(gayo);
        assertThat(second.get("page").asInt()).isEqualTo(2);
    }

    @Test
    void aChangeIsSearchableSoon() {
        String sku = "SKU-" + UUID.randomUUID();
        String id = create("Gula Aren", "Palm sugar from Banten", 30000, "pantry", "{}", sku);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(ids(search("q=aren"))).containsExactly(id));
        HttpResponse<String> renamed = send("PUT", "/products/" + id, """
                {"sku":"%s","name":"Gula Semut","description":"Granulated palm sugar","price":{"amount":32000},"category":"pantry"}
                """.formatted(sku));
        assertThat(renamed.statusCode()).as(renamed.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(ids(search("q=semut"))).containsExactly(id);
            assertThat(ids(search("q=aren"))).isEmpty();
        });
        assertThat(send("DELETE", "/products/" + id, null).statusCode()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(ids(search("q=semut"))).isEmpty());
    }

    protected TestHttp http() {
        return http;
    }

    protected JsonNode search(String query) {
        HttpResponse<String> answer = http.get("/products?" + query);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return json(answer);
    }

    protected static List<String> ids(JsonNode page) {
        return page.get("items").findValuesAsText("product_id");
    }

    protected String create(String name, String description, long price, String category, String attributes) {
        return create(name, description, price, category, attributes, "SKU-" + UUID.randomUUID());
    }

    private String create(String name, String description, long price, String category, String attributes, String sku) {
        HttpResponse<String> created = send("POST", "/products", """
                {"sku":"%s","name":"%s","description":"%s","price":{"amount":%d,"currency":"IDR"},"category":"%s","attributes":%s}
                """.formatted(sku, name, description, price, category, attributes));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return json(created).get("product_id").asText();
    }

    protected HttpResponse<String> send(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(http.uri(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request, "Authorization", admin);
    }
}

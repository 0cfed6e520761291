package dev.kedai.bench;

import java.net.URI;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.webclient.api.HttpClientResponse;

/**
 * The catalog pages a storefront lists most, straight to the product service, in turn: the
 * default page ({@code ?size=10}), a category ({@code ?category=<the first one>&size=20}), a
 * price sort ({@code ?sort=price_asc&size=20}) and a later page ({@code ?page=5&size=20}).
 */
public final class ProductPagesScenario implements Scenario {

    private List<BenchRequest> requests;

    @Override
    public String name() {
        return "product-pages";
    }

    @Override
    public String description() {
        return "GET /products?size=10, ?category=<slug>&size=20, ?sort=price_asc&size=20, ?page=5&size=20 in turn,"
                + " direct to the product service (default http://127.0.0.1:8005)";
    }

    @Override
    public URI defaultTarget() {
        return URI.create("http://127.0.0.1:8005");
    }

    @Override
    public void setup(ScenarioContext context) throws Exception {
        String category;
        try (HttpClientResponse res = context.client().get("/categories").request()) {
            JsonNode categories = new ObjectMapper().readTree(res.as(String.class));
            JsonNode first = categories.isArray() ? categories.path(0) : categories.path("items").path(0);
            category = first.path("category").asText("");
        }
        if (category.isEmpty()) {
            throw new IllegalStateException("the catalog is empty: seed it first (bench/seed-catalog)");
        }
        requests = List.of("/products?size=10", "/products?category=" + category + "&size=20",
                           "/products?sort=price_asc&size=20", "/products?page=5&size=20").stream()
                .map(path -> BenchRequest.get(path, "Accept", "application/json"))
                .toList();
    }

    @Override
    public BenchRequest nextRequest(long sequence) {
        return requests.get((int) (sequence % requests.size()));
    }
}

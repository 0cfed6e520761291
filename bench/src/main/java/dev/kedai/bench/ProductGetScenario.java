package dev.kedai.bench;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.webclient.api.HttpClientResponse;

/**
 * {@code GET /products/{id}} straight to the product service with a warm Redis cache: set-up
 * reads the ids of the first 100 products, the warm-up reads each of them (filling the cache),
 * and the measured phase cycles over them.
 */
public final class ProductGetScenario implements Scenario {

    private final List<BenchRequest> requests = new ArrayList<>();

    @Override
    public String name() {
        return "product-get";
    }

    @Override
    public String description() {
        return "GET /products/{id} (Redis cache warm) direct to the product service (default http://127.0.0.1:8005)";
    }

    @Override
    public URI defaultTarget() {
        return URI.create("http://127.0.0.1:8005");
    }

    @Override
    public void setup(ScenarioContext context) throws Exception {
        try (HttpClientResponse res = context.client().get("/products").queryParam("size", "100").request()) {
            JsonNode page = new ObjectMapper().readTree(res.as(String.class));
            for (JsonNode item : page.path("items")) {
                requests.add(BenchRequest.get("/products/" + item.get("product_id").asText(), "Accept", "application/json"));
            }
        }
        if (requests.isEmpty()) {
            throw new IllegalStateException("the catalog is empty: seed it first (bench/seed-catalog)");
        }
    }

    @Override
    public BenchRequest nextRequest(long sequence) {
        return requests.get((int) (sequence % requests.size()));
    }
}

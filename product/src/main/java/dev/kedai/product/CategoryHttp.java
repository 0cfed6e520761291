package dev.kedai.product;

import java.util.Map;

import dev.kedai.platform.http.Json;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** {@code /categories}: the categories of active products with their counts (a short, unpaged list). */
public final class CategoryHttp implements HttpService {

    private final ProductStore store;

    public CategoryHttp(ProductStore store) {
        this.store = store;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list);
    }

    private void list(ServerRequest req, ServerResponse res) {
        Json.send(res, Map.of("items", store.categories()));
    }
}

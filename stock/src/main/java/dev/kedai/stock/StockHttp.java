package dev.kedai.stock;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.kedai.platform.http.Json;
import dev.kedai.platform.http.PageRequest;
import dev.kedai.platform.http.ProblemException;
import dev.kedai.platform.http.UuidParam;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** {@code /stock}: stock levels, readable by anyone. */
public final class StockHttp implements HttpService {

    /** At most this many ids in one {@code ?product_id=} list, as a page is capped. */
    static final int MAX_IDS = PageRequest.MAX_SIZE;

    private final StockStore store;

    public StockHttp(StockStore store) {
        this.store = store;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .get("/{product_id}", this::one);
    }

    /** A page of every level, or ({@code ?product_id=a,b}) the levels of just those products. */
    private void list(ServerRequest req, ServerResponse res) {
        List<String> raw = req.query().all("product_id", List::of);
        if (raw.isEmpty()) {
            Json.send(res, store.page(PageRequest.from(req)));
            return;
        }
        Json.send(res, Map.of("items", store.levels(productIds(raw))));
    }

    private void one(ServerRequest req, ServerResponse res) {
        String id = UuidParam.parse("product_id", req.path().pathParameters().get("product_id"));
        Json.send(res, store.level(id).orElseThrow(() -> ProblemException.notFound("no stock for product " + id)));
    }

    // accepts ?product_id=a,b as well as ?product_id=a&product_id=b
    private static Set<String> productIds(List<String> raw) {
        Set<String> ids = new LinkedHashSet<>();
        for (String value : raw) {
            for (String part : value.split(",", -1)) {
                ids.add(UuidParam.parse("product_id", part.trim()));
            }
        }
        if (ids.size() > MAX_IDS) {
            throw ProblemException.invalid("product_id", "must list at most " + MAX_IDS + " ids");
        }
        return ids;
    }
}

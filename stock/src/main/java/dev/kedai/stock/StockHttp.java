package dev.kedai.stock;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.platform.http.FieldError;
import dev.kedai.platform.http.Fields;
import dev.kedai.platform.http.Json;
import dev.kedai.platform.http.JsonBody;
import dev.kedai.platform.http.Problem;
import dev.kedai.platform.http.PageRequest;
import dev.kedai.platform.http.ProblemException;
import dev.kedai.platform.http.UuidParam;
import dev.kedai.platform.security.Authentication;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import static dev.kedai.platform.http.Field.field;

/** {@code /stock}: stock levels, readable by anyone, set by admins. */
public final class StockHttp implements HttpService {

    /** At most this many ids in one {@code ?product_id=} list, as a page is capped. */
    static final int MAX_IDS = PageRequest.MAX_SIZE;

    private static final Fields UPDATE = Fields.of(
            field("product_id").uuid().required(),
            field("quantity").integer(0, Warehouse.MAX_ON_HAND),
            field("delta").integer(-Warehouse.MAX_ON_HAND, Warehouse.MAX_ON_HAND).must(d -> d.asLong() != 0, "must not be 0"));

    record Update(String productId, Long quantity, Long delta) {
    }

    private final StockStore store;
    private final Warehouse warehouse;

    public StockHttp(StockStore store, Warehouse warehouse) {
        this.store = store;
        this.warehouse = warehouse;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .post("/update", this::update)
                .get("/{product_id}", this::one);
    }

    /** Exactly one of {@code quantity} (set on-hand) or {@code delta} (adjust it). */
    private void update(ServerRequest req, ServerResponse res) {
        Authentication.requireRole(req, "admin");
        JsonNode body = JsonBody.read(req);
        List<FieldError> errors = new ArrayList<>(UPDATE.errors(body));
        if (body.isObject() && body.hasNonNull("quantity") == body.hasNonNull("delta")) {
            String message = "give exactly one of quantity (set) or delta (adjust)";
            errors.add(new FieldError("quantity", message));
            errors.add(new FieldError("delta", message));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.validation(errors);
        }
        Update update = JsonBody.map(body, Update.class);
        String productId = update.productId().toLowerCase(java.util.Locale.ROOT);
        try {
            Json.send(res, warehouse.update(productId, update.quantity(), update.delta()));
        } catch (UnknownProductException e) {
            throw ProblemException.notFound(e.getMessage());
        } catch (LevelConflictException e) {
            throw new ProblemException(Problem.of(409, e.getMessage())
                    .with("on_hand", e.level().onHand())
                    .with("reserved", e.level().reserved())
                    .with("available", e.level().available()));
        }
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

package dev.kedai.cartorder;

import dev.kedai.platform.http.Json;
import dev.kedai.platform.http.ProblemException;
import dev.kedai.platform.http.UuidParam;
import dev.kedai.platform.security.Authentication;
import dev.kedai.platform.security.Caller;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /cart}: the caller's own cart, priced with the catalog's current prices. ({@code POST
 * /cart/add} and {@code /cart/fallback} are served by the stock service, which adds through
 * cartorder's gRPC {@code AddItem} or the AddToCart command.)
 */
public final class CartHttp implements HttpService {

    private final Carts carts;

    CartHttp(Carts carts) {
        this.carts = carts;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::cart)
                .delete("/", this::clear)
                .delete("/{item_id}", this::remove);
    }

    private void cart(ServerRequest req, ServerResponse res) {
        Caller caller = Authentication.caller(req);
        Json.send(res, carts.cart(caller.userId()));
    }

    private void remove(ServerRequest req, ServerResponse res) {
        Caller caller = Authentication.caller(req);
        String itemId = UuidParam.parse("item_id", req.path().pathParameters().get("item_id"));
        if (!carts.remove(caller.userId(), itemId)) {
            throw ProblemException.notFound("item " + itemId + " is not in your cart");
        }
        res.status(Status.NO_CONTENT_204).send();
    }

    private void clear(ServerRequest req, ServerResponse res) {
        Caller caller = Authentication.caller(req);
        carts.clear(caller.userId());
        res.status(Status.NO_CONTENT_204).send();
    }
}

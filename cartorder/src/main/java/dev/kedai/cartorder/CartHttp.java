package dev.kedai.cartorder;

import dev.kedai.platform.http.Json;
import dev.kedai.platform.security.Authentication;
import dev.kedai.platform.security.Caller;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /cart}: the caller's own cart. ({@code POST /cart/add} and {@code /cart/fallback} are
 * served by the stock service.) Deleting lines and pricing them come with issue 5.
 */
public final class CartHttp implements HttpService {

    private final CartStore store;

    public CartHttp(CartStore store) {
        this.store = store;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::cart);
    }

    private void cart(ServerRequest req, ServerResponse res) {
        Caller caller = Authentication.caller(req);
        // lines are not priced yet (issue 5), so no line counts towards the total
        Json.send(res, new Cart(store.lines(caller.userId()), Money.zero()));
    }
}

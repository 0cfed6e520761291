package dev.kedai.cartorder;

import dev.kedai.platform.http.Json;
import dev.kedai.platform.http.PageRequest;
import dev.kedai.platform.security.Authentication;
import dev.kedai.platform.security.Caller;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** {@code /order}: the caller's own orders. Placing, paying and cancelling come with issue 6. */
public final class OrderHttp implements HttpService {

    private final OrderStore store;

    public OrderHttp(OrderStore store) {
        this.store = store;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list);
    }

    private void list(ServerRequest req, ServerResponse res) {
        Caller caller = Authentication.caller(req);
        Json.send(res, store.page(caller.userId(), PageRequest.from(req)));
    }
}

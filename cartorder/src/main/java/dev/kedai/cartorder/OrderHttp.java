package dev.kedai.cartorder;

import java.util.Locale;

import dev.kedai.platform.http.Fields;
import dev.kedai.platform.http.IdempotencyKeyHeader;
import dev.kedai.platform.http.Json;
import dev.kedai.platform.http.JsonBody;
import dev.kedai.platform.http.PageRequest;
import dev.kedai.platform.http.ProblemException;
import dev.kedai.platform.http.UuidParam;
import dev.kedai.platform.security.Authentication;
import dev.kedai.platform.security.Caller;
import dev.kedai.platform.server.Admission;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderName;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import static dev.kedai.platform.http.Field.field;

/** {@code /order}: checkout, payment, cancel and the caller's own orders. */
public final class OrderHttp implements HttpService {

    static final HeaderName REPLAYED = HeaderNames.create("Idempotent-Replayed");

    private static final Fields CHECKOUT = Fields.of(field("address_id").uuid());
    private static final Fields PAY = Fields.of(field("order_id").uuid().required(),
                                                field("payment_token").pattern("tok_[A-Za-z0-9_]{1,60}",
                                                                               "a payment token (tok_...)").required());

    record PayRequest(String orderId, String paymentToken) {
    }

    private final OrderStore store;
    private final Checkout checkout;
    private final Payments payments;
    private final OrderLifecycle lifecycle;
    private final Admission admission;

    /** {@code admission}: when busy, a new checkout ({@code place-order}) is refused before a payment ({@code pay}). */
    OrderHttp(OrderStore store, Checkout checkout, Payments payments, OrderLifecycle lifecycle, Admission admission) {
        this.store = store;
        this.checkout = checkout;
        this.payments = payments;
        this.lifecycle = lifecycle;
        this.admission = admission;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .post("/", admission.guard("place-order", this::place))
                .post("/pay", admission.guard("pay", this::pay))
                .get("/{order_id}", this::one)
                .post("/{order_id}/cancel", this::cancel);
    }

    private void list(ServerRequest req, ServerResponse res) {
        Caller caller = Authentication.caller(req);
        Json.send(res, store.page(caller.userId(), PageRequest.from(req)));
    }

    private void one(ServerRequest req, ServerResponse res) {
        Caller caller = Authentication.caller(req);
        String orderId = UuidParam.parse("order_id", req.path().pathParameters().get("order_id"));
        Json.send(res, store.find(caller.userId(), orderId)
                .orElseThrow(() -> ProblemException.notFound("order " + orderId + " does not exist")));
    }

    private void place(ServerRequest req, ServerResponse res) {
        Caller caller = Authentication.caller(req);
        String key = IdempotencyKeyHeader.read(req)
                .orElseThrow(() -> ProblemException.invalid("Idempotency-Key", "the header is required"));
        byte[] body = req.content().hasEntity() ? req.content().as(byte[].class) : new byte[0];
        String bodyHash = RequestHash.of(body);
        Checkout.Request order;
        try {
            // no body is {}: every field is optional
            order = CHECKOUT.read(JsonBody.readOptional(req, body), Checkout.Request.class);
        } catch (ProblemException invalid) {
            checkout.refuseReusedKey(caller, key, bodyHash);
            throw invalid;
        }
        String addressId = order.addressId() == null ? null : order.addressId().toLowerCase(Locale.ROOT);
        Checkout.Placed placed = checkout.place(caller, key, bodyHash, new Checkout.Request(addressId));
        if (placed.replayed()) {
            res.header(REPLAYED, "true");
        }
        res.header(HeaderNames.LOCATION, "/order/" + placed.order().orderId());
        Json.send(res, Status.CREATED_201, placed.order());
    }

    private void pay(ServerRequest req, ServerResponse res) {
        Caller caller = Authentication.caller(req);
        PayRequest pay = PAY.read(req, PayRequest.class);
        Json.send(res, payments.pay(caller.userId(), pay.orderId().toLowerCase(), pay.paymentToken()));
    }

    private void cancel(ServerRequest req, ServerResponse res) {
        Caller caller = Authentication.caller(req);
        String orderId = UuidParam.parse("order_id", req.path().pathParameters().get("order_id"));
        Json.send(res, lifecycle.cancel(caller.userId(), orderId));
    }
}

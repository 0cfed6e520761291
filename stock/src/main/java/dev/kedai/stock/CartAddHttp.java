package dev.kedai.stock;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import dev.kedai.platform.grpc.PeerBreaker;
import dev.kedai.platform.grpc.PeerRejection;
import dev.kedai.platform.http.AdmissionRefused;
import dev.kedai.platform.http.Fields;
import dev.kedai.platform.http.IdempotencyKeyHeader;
import dev.kedai.platform.http.Json;
import dev.kedai.platform.http.Problem;
import dev.kedai.platform.http.ProblemException;
import dev.kedai.platform.security.Authentication;
import dev.kedai.platform.security.Caller;
import dev.kedai.proto.cartorder.v1.Cart;
import dev.kedai.proto.product.v1.Product;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import static dev.kedai.platform.http.Field.field;

/**
 * {@code POST /cart/add} and {@code POST /cart/fallback}, the stock routes of the original
 * gateway: stock checks the product (product's gRPC: exists and active; kept for the current
 * catalog generation, {@link ProductClient}) and its availability,
 * then adds to the caller's cart through cartorder's gRPC. The cart is always the token
 * subject's; no body field can name another user.
 *
 * <p>The line's NEW total is what must be available, and only cartorder knows the line: stock
 * checks the requested quantity itself and passes what it saw available as
 * {@code max_line_quantity}, which cartorder enforces on the merged line atomically
 * (FAILED_PRECONDITION → 409). Availability is a snapshot either way; the reservation at
 * checkout is what guarantees no oversell; the level is a snapshot up to
 * {@code stock.cart-add.level-max-age} old ({@link LevelSnapshots}).
 *
 * <p>When cartorder is busy it refuses adds before payments (RESOURCE_EXHAUSTED, its
 * {@code admission.cart-add}) and the answer is 503 with {@code Retry-After}: the add waits for the
 * client's retry. When cartorder cannot answer within its deadline (UNAVAILABLE, DEADLINE_EXCEEDED,
 * or its circuit is open) the add is queued as an AddToCart command (outbox → Kafka) and the answer is 202
 * with its {@code operation_id}; the same id went with the gRPC call, so an add that did land
 * before the deadline is not applied twice. With an {@code Idempotency-Key} the operation id is
 * derived from (user, key), so a client's retry of a lost answer is the same operation too. Deadlines: {@code peers.product.deadline},
 * {@code peers.cartorder.deadline}.
 */
public final class CartAddHttp implements HttpService {

    static final int MAX_LINE = 99;
    private static final Fields ADD = Fields.of(field("product_id").uuid().required(),
                                                field("quantity").integer(1, MAX_LINE).required());

    record CartAdd(String productId, int quantity) {
    }

    private final LevelSnapshots levels;
    private final ProductClient products;
    private final CartClient carts;
    private final CartCommandSender commands;
    private final String currency;

    CartAddHttp(LevelSnapshots levels, ProductClient products, CartClient carts, CartCommandSender commands, String currency) {
        this.levels = levels;
        this.products = products;
        this.carts = carts;
        this.commands = commands;
        this.currency = currency;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/add", this::add)
                .post("/fallback", this::fallback);
    }

    private void add(ServerRequest req, ServerResponse res) {
        Caller caller = Authentication.requireRole(req, "customer");
        CartAdd add = ADD.read(req, CartAdd.class);
        String productId = add.productId().toLowerCase(Locale.ROOT);
        int maxLine = sellable(productId, add.quantity());
        String operationId = IdempotencyKeyHeader.read(req).map(key -> operationId(caller, key))
                .orElseGet(() -> UUID.randomUUID().toString());
        Cart cart;
        try {
            cart = carts.add(operationId, caller.userId(), productId, add.quantity(), maxLine);
        } catch (PeerRejection e) {
            throw switch (e.code()) {
                case INVALID_ARGUMENT -> ProblemException.invalid("quantity",
                        "the line would hold more than " + MAX_LINE + " units");
                case FAILED_PRECONDITION -> ProblemException.conflict(
                        "not enough stock for the line's new total", "available", levels.available(productId));
                case NOT_FOUND -> ProblemException.notFound("no product " + productId);
                case OUT_OF_RANGE -> new ProblemException(Problem.of(409, "the cart holds " + StockGrpc.MAX_LINES
                                + " different products, the most one order may have: order them first or remove some")
                        .typed("https://kedai.dev/problems/cart-full", "Cart full").with("max_lines", StockGrpc.MAX_LINES));
                default -> ProblemException.unavailable("the cart service failed", e);
            };
        } catch (RuntimeException e) {
            if (e instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                // cartorder is busy and refuses adds first: queueing the add would only defer the load;
                // a shed request, not a failure, so not logged one by one
                throw new AdmissionRefused("the cart service is busy; try again later");
            }
            if (!PeerBreaker.unreachable(e)) {
                throw ProblemException.unavailable("the cart service failed", e);
            }
            queue(res, operationId, caller, productId, add.quantity(), maxLine);
            return;
        }
        Json.send(res, CartView.of(cart, currency));
    }

    private void fallback(ServerRequest req, ServerResponse res) {
        Caller caller = Authentication.requireRole(req, "customer");
        CartAdd add = ADD.read(req, CartAdd.class);
        String productId = add.productId().toLowerCase(Locale.ROOT);
        int maxLine = sellable(productId, add.quantity());
        queue(res, UUID.randomUUID().toString(), caller, productId, add.quantity(), maxLine);
    }

    private void queue(ServerResponse res, String operationId, Caller caller, String productId, int quantity, int maxLine) {
        commands.queue(operationId, caller.userId(), productId, quantity, maxLine);
        Json.send(res, io.helidon.http.Status.ACCEPTED_202, Map.of("operation_id", operationId));
    }

    /**
     * 404 unless the product exists and is active, 409 unless {@code quantity} is available.
     *
     * @return the units a line may hold (what is available, at most {@value #MAX_LINE})
     */
    private int sellable(String productId, int quantity) {
        Product product = products.product(productId)
                .orElseThrow(() -> ProblemException.notFound("no product " + productId));
        if (!product.getActive()) {
            throw ProblemException.notFound("product " + productId + " is no longer sold");
        }
        long available = levels.available(productId);
        if (quantity > available) {
            throw ProblemException.conflict("only " + available + " available", "available", available);
        }
        return (int) Math.min(available, MAX_LINE);
    }

    /**
     * The cart operation id of an add sent with an Idempotency-Key: the same for every retry of it
     * (cartorder applies an operation once, on either path), never the same for two users.
     */
    static String operationId(Caller caller, String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((caller.userId() + "\n" + key).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);   // every JDK has SHA-256
        }
    }
}

package dev.kedai.stock;

import java.util.Locale;
import java.util.Map;

import dev.kedai.platform.http.Fields;
import dev.kedai.platform.http.Json;
import dev.kedai.platform.http.Problem;
import dev.kedai.platform.http.ProblemException;
import dev.kedai.platform.security.Authentication;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import static dev.kedai.platform.http.Field.field;

/**
 * {@code POST /order/process_stock} (admin): commits the stock of a paid order. The OrderPaid
 * event normally does this; the route is for operators, and is idempotent (on-hand drops once).
 * Stock knows an order is paid from the OrderPaid events it consumed.
 */
public final class OrderStockHttp implements HttpService {

    private static final Fields PROCESS = Fields.of(field("order_id").uuid().required());

    record Process(String orderId) {
    }

    private final Warehouse warehouse;

    OrderStockHttp(Warehouse warehouse) {
        this.warehouse = warehouse;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/process_stock", this::process);
    }

    private void process(ServerRequest req, ServerResponse res) {
        Authentication.requireRole(req, "admin");
        String orderId = PROCESS.read(req, Process.class).orderId().toLowerCase(Locale.ROOT);
        try {
            warehouse.commitPaid(orderId);
        } catch (UnknownOrderException e) {
            throw ProblemException.notFound(e.getMessage());
        } catch (ReservationStateException e) {
            String detail = e.status() == ReservationStatus.RESERVED ? "order " + orderId + " is not paid" : e.getMessage();
            throw new ProblemException(Problem.of(409, detail).with("reservation_status", e.status().name()));
        }
        Json.send(res, Map.of("order_id", orderId, "status", "committed"));
    }
}

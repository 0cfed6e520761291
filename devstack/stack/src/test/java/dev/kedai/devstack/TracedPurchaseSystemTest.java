package dev.kedai.devstack;

import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

import dev.kedai.infra.otlp.OtlpReceiver;
import dev.kedai.infra.otlp.ReceivedSpan;
import dev.kedai.infra.otlp.Waterfall;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 17's end-to-end trace: one purchase (add to cart, order, pay) sent through the dev edge
 * under one client trace id, real services, real Kafka, and what the stack's OTLP receiver got
 * holds, in that single trace, every leg: the edge, stock's POST /cart/add, cartorder's AddItem
 * (gRPC client and server), product's price lookup, POST /order's reservation in stock, the
 * payment and its transaction, cartorder's publish of OrderPaid and stock's consumption of it.
 */
@ExtendWith(StackFixture.class)
class TracedPurchaseSystemTest {

    private static final String ADD_ITEM = "kedai.cartorder.v1.CartService/AddItem";
    private static final String GET_PRODUCTS = "kedai.product.v1.ProductService/GetProducts";
    private static final String RESERVE = "kedai.stock.v1.StockService/Reserve";
    private static final String ORDER_PAID = "kedai.cartorder.v1.OrderPaid";

    private static final HexFormat HEX = HexFormat.of();

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(b);
        return HEX.formatHex(b);
    }

    @Test
    void onePurchaseIsOneTraceFromTheEdgeToStocksConsumer(Stack stack) {
        OtlpReceiver receiver = stack.traces().orElseThrow();
        EdgeClient anonymous = new EdgeClient(stack, "127.0.0.34");
        EdgeClient admin = Shop.admin(stack, anonymous);
        String productId = Shop.productInStock(admin, "Traced songket " + UUID.randomUUID(), 120_000, 5);
        EdgeClient customer = anonymous.newCustomer("Tracer");

        // the client's one trace: each request a new span of it, as a browser's tracing SDK sends
        String traceId = randomHex(16);
        EdgeClient.Answer[] added = new EdgeClient.Answer[1];
        await().atMost(Shop.SETTLE).until(() -> {   // a cold peer may answer 504: nothing changed, try again
            added[0] = customer.post("/cart/add", Map.of("product_id", productId, "quantity", 2),
                    "traceparent", traceparent(traceId));
            return added[0].status() != 504;
        });
        assertThat(added[0].status()).as(added[0].raw().body()).isEqualTo(200);
        EdgeClient.Answer order = customer.post("/order", "{}", "Idempotency-Key", UUID.randomUUID().toString(),
                "traceparent", traceparent(traceId));
        assertThat(order.status()).as(order.raw().body()).isEqualTo(201);
        String orderId = order.json().path("order_id").asText();
        EdgeClient.Answer paid = customer.post("/order/pay", Map.of("order_id", orderId, "payment_token", "tok_visa"),
                "traceparent", traceparent(traceId));
        assertThat(paid.status()).as(paid.raw().body()).isEqualTo(200);

        // each service exports its spans in its own batches: wait until every leg has arrived
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertOneTrace(receiver.store().trace(traceId).orElse(List.of()), traceId, orderId));
    }

    private static void assertOneTrace(List<ReceivedSpan> spans, String traceId, String orderId) {
        Trace trace = new Trace(spans);

        ReceivedSpan edgeAdd = trace.one("edge", "SERVER", "POST /cart/add");
        ReceivedSpan stockAdd = trace.one("stock", "SERVER", "POST /cart/add");
        assertThat(stockAdd.parentSpanId()).isEqualTo(edgeAdd.spanId());
        ReceivedSpan addItemClient = trace.one("stock", "CLIENT", ADD_ITEM);
        ReceivedSpan addItem = trace.one("cartorder", "SERVER", ADD_ITEM);
        assertThat(addItem.parentSpanId()).isEqualTo(addItemClient.spanId());
        assertThat(trace.descends(addItemClient, stockAdd)).isTrue();
        assertThat(trace.all("product", "SERVER", GET_PRODUCTS)).as("product's price lookup")
                .anyMatch(s -> trace.descends(s, stockAdd));

        ReceivedSpan edgeOrder = trace.one("edge", "SERVER", "POST /order");
        ReceivedSpan placeOrder = trace.one("cartorder", "SERVER", "POST /order");
        assertThat(placeOrder.parentSpanId()).isEqualTo(edgeOrder.spanId());
        ReceivedSpan reserve = trace.one("stock", "SERVER", RESERVE);
        assertThat(trace.descends(reserve, placeOrder)).as("the reservation is POST /order's").isTrue();
        assertThat(trace.all("stock", "INTERNAL", "transaction")).anyMatch(s -> s.parentSpanId().equals(reserve.spanId()));

        ReceivedSpan edgePay = trace.one("edge", "SERVER", "POST /order/pay");
        ReceivedSpan pay = trace.one("cartorder", "SERVER", "POST /order/pay");
        assertThat(pay.parentSpanId()).isEqualTo(edgePay.spanId());
        assertThat(trace.all("cartorder", "INTERNAL", "transaction")).as("the payment's transactions")
                .anyMatch(s -> trace.descends(s, pay));

        ReceivedSpan publish = trace.only(s -> s.service().equals("cartorder") && s.kind().equals("PRODUCER")
                && ORDER_PAID.equals(s.attributes().get("cloudevents.event_type")));
        assertThat(publish.name()).startsWith("send ").endsWith("kedai.cartorder.order.v1");
        assertThat(trace.descends(publish, pay)).as("OrderPaid is published for the payment").isTrue();
        assertThat(publish.attributes()).containsEntry("messaging.system", "kafka")
                .containsEntry("messaging.kafka.message.key", orderId);
        ReceivedSpan consume = trace.only(s -> s.service().equals("stock") && s.kind().equals("CONSUMER")
                && ORDER_PAID.equals(s.attributes().get("cloudevents.event_type")));
        assertThat(consume.parentSpanId()).as("stock continues the publish's trace").isEqualTo(publish.spanId());
        assertThat(consume.attributes()).containsEntry("messaging.consumer.group.name", "kedai-stock")
                .containsEntry("messaging.operation.type", "process");

        // the checkout's and the payment's database work: a span per transaction, none per statement
        assertThat(spans).as("no span names a statement").noneMatch(s ->
                s.attributes().containsKey("db.query.text") || s.attributes().containsKey("db.statement"));
        assertThat(spans.stream().filter(s -> s.attributes().keySet().stream().anyMatch(k -> k.startsWith("db."))))
                .as("the database's spans are the transactions").isNotEmpty()
                .allMatch(s -> s.name().equals("transaction") && s.kind().equals("INTERNAL"));

        // what `./kedai trace <trace id>` prints shows the Kafka leg too
        // (names are cut to the column's width there)
        assertThat(Waterfall.render(spans)).startsWith("trace " + traceId).contains(" send ")
                .contains(" process ");
    }

    private static String traceparent(String traceId) {
        return "00-" + traceId + "-" + randomHex(8) + "-01";
    }

    /** The spans of one trace, by id and parent. */
    private record Trace(List<ReceivedSpan> spans) {

        List<ReceivedSpan> all(String service, String kind, String name) {
            return spans.stream().filter(s -> s.service().equals(service) && s.kind().equals(kind) && s.name().equals(name))
                    .toList();
        }

        ReceivedSpan one(String service, String kind, String name) {
            List<ReceivedSpan> found = all(service, kind, name);
            assertThat(found).as("%s %s %s in %s", service, kind, name, names()).hasSize(1);
            return found.getFirst();
        }

        ReceivedSpan only(Predicate<ReceivedSpan> which) {
            List<ReceivedSpan> found = spans.stream().filter(which).toList();
            assertThat(found).as("in %s", names()).hasSize(1);
            return found.getFirst();
        }

        /** Whether {@code ancestor} is on {@code span}'s path to the root. */
        boolean descends(ReceivedSpan span, ReceivedSpan ancestor) {
            Optional<ReceivedSpan> at = Optional.of(span);
            for (int hops = 0; at.isPresent() && hops < spans.size(); hops++) {
                String parent = at.get().parentSpanId();
                if (parent.equals(ancestor.spanId())) {
                    return true;
                }
                at = spans.stream().filter(s -> s.spanId().equals(parent)).findFirst();
            }
            return false;
        }

        private List<String> names() {
            return spans.stream().map(s -> s.service() + " " + s.kind() + " " + s.name()).toList();
        }
    }
}

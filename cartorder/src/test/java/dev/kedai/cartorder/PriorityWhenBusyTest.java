package dev.kedai.cartorder;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.proto.cartorder.v1.AddItemRequest;
import dev.kedai.proto.cartorder.v1.Cart;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.helidon.config.Config;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.kedai.cartorder.CartOrderFixture.newId;
import static dev.kedai.platform.testing.TestHttp.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Priority when busy ({@code admission} in application.yaml): with as many adds or checkouts
 * running as cartorder admits, the next one is refused at once and changes nothing, while payments
 * of orders already placed go on — under overload it finishes the purchases under way instead of
 * starting new ones. The limits are the shipped ones; the bursts' queues are off here (a queued
 * request would wait for the held ones rather than be refused; the queue is the platform's
 * {@code LoadSheddingTest}'s), and peers may take long (the held requests wait on the doubles).
 */
class PriorityWhenBusyTest {

    private static final Config SHIPPED = Config.create();
    /** Each held request on a thread of its own (the common pool may have fewer threads than are held). */
    private static final Executor EACH_ON_ITS_OWN = Executors.newVirtualThreadPerTaskExecutor();

    private static CartOrderFixture f;

    @BeforeAll
    static void start() {
        f = new CartOrderFixture(Map.of("admission.cart-add.queue", "0", "admission.place-order.queue", "0",
                                        "grpc.client.default-deadline", "PT30S"));
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    /** An add is cartorder's gRPC AddItem (behind stock's POST /cart/add, which answers its client 503). */
    @Test
    void pastTheAddsItAdmitsTheNextIsRefusedAtOnceWhilePaymentsGoOn() throws Exception {
        int admitted = SHIPPED.get("admission.cart-add.limit").asInt().get();
        String payer = newId();
        String placed = f.placeOrder(payer, 20_000);
        String kopi = f.product("Kopi Gayo", 85_000);
        CountDownLatch stall = new CountDownLatch(1);
        int callsBefore = f.peers.productCalls.get();
        f.peers.productStall = stall;   // an add prices its cart last: the held adds wait there
        List<CompletableFuture<Cart>> running = new ArrayList<>();
        try {
            for (int i = 0; i < admitted; i++) {
                AddItemRequest first = add(newId(), kopi);
                running.add(CompletableFuture.supplyAsync(() -> f.cart.addItem(first), EACH_ON_ITS_OWN));
            }
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(f.peers.productCalls.get() - callsBefore)
                    .as("every admitted add is pricing its cart").isEqualTo(admitted));

            String late = newId();
            assertThatThrownBy(() -> f.cart.addItem(add(late, kopi)))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
            assertThat(f.count("SELECT COUNT(*) FROM cart_items WHERE user_id = ?", late)).as("nothing added").isZero();

            HttpResponse<String> paid = f.pay(payer, placed, "tok_visa");
            assertThat(paid.statusCode()).as(paid.body()).isEqualTo(200);
            assertThat(running).as("the admitted adds are still held").noneMatch(CompletableFuture::isDone);
        } finally {
            f.peers.productStall = null;
            stall.countDown();
        }
        for (CompletableFuture<Cart> add : running) {
            assertThat(add.get(20, TimeUnit.SECONDS).getItemsCount()).isEqualTo(1);
        }
    }

    @Test
    void pastTheCheckoutsItAdmitsTheNextIsRefusedAtOnceWhilePaymentsAndAddsGoOn() throws Exception {
        int admitted = SHIPPED.get("admission.place-order.limit").asInt().get();
        String payer = newId();
        String placed = f.placeOrder(payer, 20_000);
        List<String> users = new ArrayList<>();
        for (int i = 0; i < admitted; i++) {
            users.add(newId());
            f.add(users.get(i), f.product("Kopi", 10_000), 1);
        }
        String late = newId();
        String kopi = f.product("Kopi", 10_000);
        f.add(late, kopi, 1);
        CountDownLatch allReserved = new CountDownLatch(admitted);
        CountDownLatch proceed = new CountDownLatch(1);
        f.afterReserve = orderId -> {
            allReserved.countDown();
            try {
                proceed.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        List<CompletableFuture<HttpResponse<String>>> running = new ArrayList<>();
        try {
            for (String user : users) {
                running.add(CompletableFuture.supplyAsync(() -> f.checkout(user, newId(), "{}"), EACH_ON_ITS_OWN));
            }
            assertThat(allReserved.await(30, TimeUnit.SECONDS)).as("every admitted checkout is running").isTrue();

            HttpResponse<String> refused = f.checkout(late, newId(), "{}");
            JsonNode busy = assertProblem(refused, 503);
            assertThat(busy.get("detail").asText()).contains("busy");
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(f.count("SELECT COUNT(*) FROM orders WHERE user_id = ?", late)).isZero();
            assertThat(f.peers.available.get(kopi)).as("nothing reserved for it").isEqualTo(1_000);

            HttpResponse<String> paid = f.pay(payer, placed, "tok_visa");
            assertThat(paid.statusCode()).as(paid.body()).isEqualTo(200);
            f.add(late, kopi, 1);   // adds have a bulkhead of their own
            assertThat(running).as("the admitted checkouts are still held").noneMatch(CompletableFuture::isDone);
        } finally {
            f.afterReserve = orderId -> { };
            proceed.countDown();
        }
        for (CompletableFuture<HttpResponse<String>> checkout : running) {
            HttpResponse<String> answer = checkout.get(30, TimeUnit.SECONDS);
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
        }
    }

    private static AddItemRequest add(String userId, String productId) {
        return AddItemRequest.newBuilder().setOperationId(newId()).setUserId(userId).setProductId(productId)
                .setQuantity(1).build();
    }
}

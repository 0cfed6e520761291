package dev.kedai.cartorder;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.kedai.cartorder.CartOrderFixture.newId;
import static dev.kedai.platform.testing.TestHttp.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Product or stock down or slow: checkout answers 503/504 fast, keeps the cart, and the circuit opens. */
class PeerOutageTest {

    private static CartOrderFixture f;

    @BeforeAll
    static void start() {
        // a fixture of its own: these tests take peers down and open circuits
        f = new CartOrderFixture(Map.of());
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    private static long timed(Runnable r) {
        long start = System.nanoTime();
        r.run();
        return Duration.ofNanos(System.nanoTime() - start).toMillis();
    }

    private static String cartLines(String user) {
        return f.query("SELECT GROUP_CONCAT(CONCAT(product_id, 'x', quantity) ORDER BY product_id) FROM cart_items"
                       + " WHERE user_id = ?", user);
    }

    @Test
    void productDownMeans503FastAndTheCartUntouched() {
        String user = newId();
        f.add(user, f.product("Kopi", 10_000), 2);
        String before = cartLines(user);
        f.peers.stop("product");
        try {
            for (int i = 0; i < 6; i++) {
                HttpResponse<String>[] res = new HttpResponse[1];
                assertThat(timed(() -> res[0] = f.checkout(user, "k", "{}"))).isLessThan(1_000);
                assertProblem(res[0], 503);
                assertProblem(f.http.get("/cart", f.bearer(user)), 503);
            }
            assertThat(cartLines(user)).isEqualTo(before);
            assertThat(f.count("SELECT COUNT(*) FROM orders WHERE user_id = ?", user)).isZero();
        } finally {
            f.peers.start("product");
        }
        // back up: the circuit closes after its delay and the same key works
        await().atMost(Duration.ofSeconds(15)).until(() -> f.checkout(user, "k", "{}").statusCode() == 201);
    }

    @Test
    void stockSlowOrDownMeans504Or503FastThenTheCircuitOpensAndCloses() {
        String user = newId();
        String kopi = f.product("Kopi", 10_000);
        f.add(user, kopi, 1);
        String before = cartLines(user);
        HttpResponse<String>[] res = new HttpResponse[1];
        try {
            // slow: the deadline (1 s here) cuts the call, and the reservation it may have made is released
            f.peers.stockDelay = Duration.ofMillis(1_500);
            int releasesBefore = f.peers.releases.size();
            assertThat(timed(() -> res[0] = f.checkout(user, "s1", "{}"))).isLessThan(1_900);
            assertProblem(res[0], 504);
            await().atMost(Duration.ofSeconds(5)).until(() -> f.peers.releases.size() > releasesBefore);

            // enough failures open the circuit: answers come at once and stock is not called at all
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                int calls = f.peers.reserveCalls.get();
                long ms = timed(() -> res[0] = f.checkout(user, "s2", "{}"));
                return res[0].statusCode() == 503 && ms < 300 && f.peers.reserveCalls.get() == calls;
            });

            // down: refused connections are 503 at once too
            f.peers.stockDelay = Duration.ZERO;
            f.peers.stop("stock");
            for (int i = 0; i < 4; i++) {
                assertThat(timed(() -> res[0] = f.checkout(user, "s3", "{}"))).isLessThan(1_000);
                assertProblem(res[0], 503);
            }
            assertThat(cartLines(user)).isEqualTo(before);
            assertThat(f.count("SELECT COUNT(*) FROM orders WHERE user_id = ?", user)).isZero();
        } finally {
            f.peers.stockDelay = Duration.ZERO;
            f.peers.start("stock");
        }
        // back up: the circuit closes after its delay and the checkout goes through
        await().atMost(Duration.ofSeconds(15)).until(() -> f.checkout(user, "s3", "{}").statusCode() == 201);
        assertThat(cartLines(user)).isNull();
    }
}

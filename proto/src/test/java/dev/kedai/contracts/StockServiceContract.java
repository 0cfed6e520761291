package dev.kedai.contracts;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.kedai.proto.stock.v1.ExtendRequest;
import dev.kedai.proto.stock.v1.ExtendResponse;
import dev.kedai.proto.stock.v1.Line;
import dev.kedai.proto.stock.v1.ReleaseRequest;
import dev.kedai.proto.stock.v1.ReserveRequest;
import dev.kedai.proto.stock.v1.ReserveResponse;
import dev.kedai.proto.stock.v1.StockServiceGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What cartorder relies on from {@code kedai.stock.v1.StockService} (Reserve, Release, Extend), as one
 * suite that must pass against the real stock service (stock's {@code StockContractTest}) AND
 * against every double of it (cartorder's {@code StockDoubleContractTest}): a double that
 * answers differently from stock fails here, before a test of cartorder can trust it.
 *
 * <p>A subclass says where the service is and how to stock a product.
 */
public abstract class StockServiceContract {

    /** A stub of the service under test (real or double). */
    protected abstract StockServiceGrpc.StockServiceBlockingStub stock();

    /** A new product with {@code units} available; returns its id (a lower-case UUID). */
    protected abstract String productWith(int units);

    /** The units of {@code productId} available right now. */
    protected abstract long available(String productId);

    @Test
    void reservesEveryLineOrNoneAndNamesTheShortLines() {
        String plenty = productWith(5);
        String scarce = productWith(1);
        ReserveResponse refused = reserve(newOrder(), 600, line(plenty, 2), line(scarce, 3));
        assertThat(refused.getReserved()).isFalse();
        assertThat(refused.getShortagesList()).singleElement().satisfies(s -> {
            assertThat(s.getProductId()).isEqualTo(scarce);
            assertThat(s.getRequested()).isEqualTo(3);
            assertThat(s.getAvailable()).isEqualTo(1);
        });
        assertThat(available(plenty)).as("nothing is held after a shortage").isEqualTo(5);
        assertThat(available(scarce)).isEqualTo(1);

        ReserveResponse held = reserve(newOrder(), 600, line(plenty, 2), line(scarce, 1));
        assertThat(held.getReserved()).isTrue();
        assertThat(held.getShortagesList()).isEmpty();
        assertThat(available(plenty)).isEqualTo(3);
        assertThat(available(scarce)).isZero();
    }

    @Test
    void aReservationExpiresAfterItsTtl() {
        String product = productWith(2);
        Instant before = Instant.now();
        ReserveResponse held = reserve(newOrder(), 960, line(product, 1));
        assertThat(held.hasExpiresAt()).isTrue();
        Instant expires = Instant.ofEpochSecond(held.getExpiresAt().getSeconds(), held.getExpiresAt().getNanos());
        // 16 minutes from the call, give or take a slow machine's minute
        assertThat(expires).isBetween(before.plusSeconds(960 - 60), Instant.now().plusSeconds(960 + 60));
    }

    @Test
    void reserveIsIdempotentByOrderId() {
        String product = productWith(10);
        String order = newOrder();
        ReserveResponse first = reserve(order, 600, line(product, 3));
        ReserveResponse again = reserve(order, 600, line(product, 3));
        assertThat(again.getReserved()).isTrue();
        assertThat(again.getExpiresAt()).isEqualTo(first.getExpiresAt());
        assertThat(available(product)).as("held once").isEqualTo(7);
    }

    @Test
    void releaseGivesTheUnitsBackOnce() {
        String product = productWith(4);
        String order = newOrder();
        reserve(order, 600, line(product, 3));
        assertThat(release(order)).isTrue();
        assertThat(available(product)).isEqualTo(4);
        assertThat(release(order)).as("a second release finds nothing held").isFalse();
        assertThat(release(newOrder())).as("an order stock never saw").isFalse();
        assertThat(available(product)).isEqualTo(4);
    }

    @Test
    void aReleasedOrderCannotReserveAgain() {
        String product = productWith(4);
        String order = newOrder();
        reserve(order, 600, line(product, 2));
        release(order);
        assertCode(() -> reserve(order, 600, line(product, 2)), Status.Code.FAILED_PRECONDITION);
        assertThat(available(product)).isEqualTo(4);
    }

    @Test
    void aReleaseThatOvertookItsReserveLeavesATombstoneThatRefusesIt() {
        String product = productWith(3);
        String order = newOrder();
        assertThat(release(order)).as("nothing held yet").isFalse();
        assertCode(() -> reserve(order, 600, line(product, 1)), Status.Code.FAILED_PRECONDITION);
        assertThat(available(product)).isEqualTo(3);
    }

    @Test
    void extendHoldsLongerNeverShorterAndOnlyWhatIsHeld() {
        String product = productWith(3);
        String order = newOrder();
        Instant first = instant(reserve(order, 60, line(product, 1)).getExpiresAt());
        Instant extended = instant(extend(order, 900).getExpiresAt());
        assertThat(extended).isAfter(first.plusSeconds(600));
        assertThat(instant(extend(order, 10).getExpiresAt())).as("never shortened").isEqualTo(extended);
        assertThat(available(product)).isEqualTo(2);
        assertCode(() -> extend(newOrder(), 60), Status.Code.NOT_FOUND);
        release(order);
        assertCode(() -> extend(order, 60), Status.Code.FAILED_PRECONDITION);
    }

    @Test
    void aShortReservationLeavesTheOrderIdFree() {
        String product = productWith(1);
        String order = newOrder();
        assertThat(reserve(order, 600, line(product, 2)).getReserved()).isFalse();
        assertThat(reserve(order, 600, line(product, 1)).getReserved()).isTrue();
        assertThat(available(product)).isZero();
    }

    @Test
    void anUnknownProductIsShortWithNothingAvailable() {
        String unknown = UUID.randomUUID().toString();
        ReserveResponse answer = reserve(newOrder(), 600, line(unknown, 1));
        assertThat(answer.getReserved()).isFalse();
        assertThat(answer.getShortagesList()).singleElement().satisfies(s -> {
            assertThat(s.getProductId()).isEqualTo(unknown);
            assertThat(s.getAvailable()).isZero();
        });
    }

    @Test
    void linesOfTheSameProductAddUp() {
        String product = productWith(3);
        ReserveResponse answer = reserve(newOrder(), 600, line(product, 2), line(product, 2));
        assertThat(answer.getReserved()).isFalse();
        assertThat(answer.getShortages(0).getRequested()).isEqualTo(4);
        assertThat(available(product)).isEqualTo(3);
    }

    @Test
    void malformedRequestsAreInvalidAndHoldNothing() {
        String product = productWith(5);
        assertCode(() -> reserve("order-1", 600, line(product, 1)), Status.Code.INVALID_ARGUMENT);
        assertCode(() -> reserve(newOrder(), 600), Status.Code.INVALID_ARGUMENT);
        assertCode(() -> reserve(newOrder(), 600, line(product, 0)), Status.Code.INVALID_ARGUMENT);
        assertCode(() -> reserve(newOrder(), 600, line("not-a-uuid", 1)), Status.Code.INVALID_ARGUMENT);
        assertCode(() -> reserve(newOrder(), -1, line(product, 1)), Status.Code.INVALID_ARGUMENT);
        assertCode(() -> release("order-1"), Status.Code.INVALID_ARGUMENT);
        assertThat(available(product)).isEqualTo(5);
    }

    protected static String newOrder() {
        return UUID.randomUUID().toString();
    }

    protected static Line line(String productId, int quantity) {
        return Line.newBuilder().setProductId(productId).setQuantity(quantity).build();
    }

    protected ReserveResponse reserve(String orderId, int ttlSeconds, Line... lines) {
        return stock().reserve(ReserveRequest.newBuilder().setOrderId(orderId).setTtlSeconds(ttlSeconds)
                                       .addAllLines(List.of(lines)).build());
    }

    protected ExtendResponse extend(String orderId, int ttlSeconds) {
        return stock().extend(ExtendRequest.newBuilder().setOrderId(orderId).setTtlSeconds(ttlSeconds).build());
    }

    private static Instant instant(com.google.protobuf.Timestamp at) {
        return Instant.ofEpochSecond(at.getSeconds(), at.getNanos());
    }

    protected boolean release(String orderId) {
        return stock().release(ReleaseRequest.newBuilder().setOrderId(orderId).build()).getReleased();
    }

    private static void assertCode(Runnable call, Status.Code code) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(code));
    }
}

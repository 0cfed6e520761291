package dev.kedai.platform.grpc;

import java.time.Duration;
import java.util.Set;
import java.util.function.Supplier;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.helidon.common.config.Config;
import io.helidon.faulttolerance.CircuitBreaker;
import io.helidon.faulttolerance.CircuitBreakerOpenException;

/**
 * A circuit breaker around the gRPC calls to one peer. While the peer is down or too slow the
 * breaker opens and calls fail at once with {@link CircuitBreakerOpenException} (answered 503 by
 * the platform's problem mapping) instead of each request waiting for a deadline. Only failures to
 * reach the peer count: a peer that answers NOT_FOUND or INVALID_ARGUMENT is up, so those come out
 * as {@link PeerRejection} and never open it.
 *
 * <p>Nor does an UNAVAILABLE the peer answered itself (marked {@link GrpcErrors#SHED}: its pool was
 * full, or its own dependency away), nor a RESOURCE_EXHAUSTED (the peer is busy and refused this
 * kind of call first, {@link dev.kedai.platform.server.Admission}): each still reaches the caller as
 * it came (503 with Retry-After, retried by the client), but it does not open the breaker. A peer that sheds is
 * up and answering fast; an open breaker would turn its brief overload (some calls shed) into
 * {@code delay} seconds of every call refused, and the clients' retries at the end of it into the
 * next overload — a checkout journey at 30/s collapsed to 6 orders/s that way. The breaker is for
 * a peer that is down or hangs, where each call would cost a connection failure or a whole deadline.
 * One per peer ({@link GrpcChannels}), used through {@link Peer#call}.
 *
 * <p>Config {@code peers.breaker}: {@code delay} (how long it stays open, default PT2S),
 * {@code volume} (calls in the rolling window, default 10), {@code error-ratio} (percent of
 * failures in the window that opens it, default 50).
 */
public final class PeerBreaker {

    private static final Set<Status.Code> PEER_IS_UP = Set.of(Status.Code.NOT_FOUND, Status.Code.INVALID_ARGUMENT,
            Status.Code.FAILED_PRECONDITION, Status.Code.ALREADY_EXISTS, Status.Code.PERMISSION_DENIED,
            Status.Code.OUT_OF_RANGE);
    private static final Set<Status.Code> UNREACHABLE = Set.of(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED);

    /**
     * How long an open breaker refuses before its trial. A trial costs one call (refused at once by
     * a peer that is down, a deadline by one that hangs); a peer back just after a failed trial is
     * refused for all of it: with 5 s, a product restarted in 7 s was used again after 10.
     */
    static final Duration DEFAULT_DELAY = Duration.ofSeconds(2);

    private final CircuitBreaker breaker;
    private final Runnable reconnect;

    private PeerBreaker(CircuitBreaker breaker, Runnable reconnect) {
        this.breaker = breaker;
        this.reconnect = reconnect;
    }

    /**
     * A breaker named {@code peer}, configured by {@code peers.breaker.*} of the root config;
     * {@code reconnect} ends the channel's reconnect back-off before each trial call.
     */
    static PeerBreaker create(String peer, Config config, Runnable reconnect) {
        Config c = config.get("peers.breaker");
        return new PeerBreaker(CircuitBreaker.builder()
                .name(peer)
                .delay(c.get("delay").as(Duration.class).orElse(DEFAULT_DELAY))
                .volume(c.get("volume").asInt().orElse(10))
                .errorRatio(c.get("error-ratio").asInt().orElse(50))
                .successThreshold(1)
                .addSkipOn(PeerRejection.class)
                .addSkipOn(Shed.class)
                .build(), reconnect);
    }

    /** Runs one call through the breaker; a business refusal of the peer comes out as {@link PeerRejection}. */
    public <T> T call(Supplier<T> call) {
        if (breaker.state() == CircuitBreaker.State.HALF_OPEN) {
            // the trial: a channel still in its reconnect back-off (up to 2 min) would fail it at
            // once though the peer is back, and the breaker would stay open another delay
            reconnect.run();
        }
        try {
            return breaker.invoke(() -> {
                try {
                    return call.get();
                } catch (StatusRuntimeException e) {
                    if (PEER_IS_UP.contains(e.getStatus().getCode())) {
                        throw new PeerRejection(e);
                    }
                    throw shed(e) ? new Shed(e) : e;
                }
            });
        } catch (Shed s) {
            throw s.answer;   // the caller sees the peer's UNAVAILABLE as it came
        }
    }

    /**
     * True when the peer itself refused the call for being busy (RESOURCE_EXHAUSTED) or shed it
     * (UNAVAILABLE marked by its {@link GrpcErrors}), not the transport for want of it.
     */
    static boolean shed(StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
            return true;
        }
        Metadata trailers = e.getTrailers();
        return e.getStatus().getCode() == Status.Code.UNAVAILABLE && trailers != null
               && trailers.containsKey(GrpcErrors.SHED);
    }

    /** Carries a shed answer through the breaker, which skips it. */
    private static final class Shed extends RuntimeException {
        private final StatusRuntimeException answer;

        Shed(StatusRuntimeException answer) {
            super(answer.getMessage(), answer, false, false);
            this.answer = answer;
        }
    }

    /**
     * True when a call failed because the peer could not answer in time: UNAVAILABLE,
     * DEADLINE_EXCEEDED, or the breaker open. The request may or may not have reached the peer.
     */
    public static boolean unreachable(Throwable failure) {
        return failure instanceof CircuitBreakerOpenException
                || (failure instanceof StatusRuntimeException s && UNREACHABLE.contains(s.getStatus().getCode()));
    }
}

package dev.kedai.platform.grpc;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;

/**
 * Puts a deadline on every client call that has none, so no call can wait forever for a stuck
 * peer. A deadline set by the caller ({@code stub.withDeadlineAfter(...)}) is kept.
 */
public final class DefaultDeadline implements ClientInterceptor {

    private final long nanos;

    public DefaultDeadline(Duration deadline) {
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive: " + deadline);
        }
        this.nanos = deadline.toNanos();
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        CallOptions withDeadline = options.getDeadline() == null
                ? options.withDeadlineAfter(nanos, TimeUnit.NANOSECONDS)
                : options;
        return next.newCall(method, withDeadline);
    }
}

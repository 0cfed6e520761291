package dev.kedai.cartorder;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * The sandbox provider with seams for the tests: each hook runs at a point where a process can
 * die or another request can overtake, and may block (a latch) or throw (the process "dies"
 * there: the caller never learns the outcome). Reset with {@link #clear()}.
 */
final class GatewayHooks implements PaymentGateway {

    private static final Consumer<String> NONE = attemptId -> { };

    private final SandboxPaymentGateway sandbox;
    /** After the provider has looked an attempt up, before the caller sees the answer. */
    volatile Consumer<String> afterLookup = NONE;
    /** After the provider has charged (or declined) an attempt, before the caller sees the answer. */
    volatile Consumer<String> afterCharge = NONE;
    /** Before a refund reaches the provider. */
    volatile Consumer<String> beforeRefund = NONE;

    GatewayHooks(SandboxPaymentGateway sandbox) {
        this.sandbox = sandbox;
    }

    void clear() {
        afterLookup = NONE;
        afterCharge = NONE;
        beforeRefund = NONE;
    }

    @Override
    public PaymentResult charge(Charge charge) {
        PaymentResult result = sandbox.charge(charge);
        afterCharge.accept(charge.attemptId());
        return result;
    }

    @Override
    public Optional<PaymentResult> lookup(String attemptId) {
        Optional<PaymentResult> result = sandbox.lookup(attemptId);
        afterLookup.accept(attemptId);
        return result;
    }

    @Override
    public void refund(String attemptId) {
        beforeRefund.accept(attemptId);
        sandbox.refund(attemptId);
    }
}

package dev.kedai.cartorder;

import java.util.Optional;

import dev.kedai.platform.money.Money;

/**
 * A payment provider. Every call carries the attempt id, which the provider treats as its
 * idempotency key: charging an attempt id twice charges once and answers the first outcome.
 */
public interface PaymentGateway {

    /** Charges {@code charge.amount()} with the client's payment token. */
    PaymentResult charge(Charge charge);

    /** The outcome of an attempt the provider has seen; empty when it never got the charge. */
    Optional<PaymentResult> lookup(String attemptId);

    /** Gives back an approved attempt's money (the order could no longer be paid). */
    void refund(String attemptId);

    /** One charge: {@code attemptId} is the idempotency key. */
    record Charge(String attemptId, String orderId, Money amount, String token) {
    }

    /** What the provider answered. */
    sealed interface PaymentResult {
    }

    /** Charged; {@code reference} is the provider's payment id. */
    record Approved(String reference) implements PaymentResult {
    }

    /** Refused (card declined, insufficient funds, ...): nothing charged. */
    record Declined(String reason) implements PaymentResult {
    }

    /** The provider did not answer in time; nothing was charged. */
    record TimedOut() implements PaymentResult {
    }
}

package dev.kedai.cartorder;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sandbox provider: {@code tok_decline} declines, {@code tok_timeout} times out without
 * charging, any other {@code tok_*} approves. Like a real provider it is idempotent by attempt id
 * (a repeated attempt id is charged once and gets the first answer) and it keeps what it charged,
 * so tests and the bench can count charges per order.
 */
public final class SandboxPaymentGateway implements PaymentGateway {

    private final Map<String, PaymentResult> outcomes = new ConcurrentHashMap<>();
    private final Map<String, String> orderOfAttempt = new ConcurrentHashMap<>();
    private final Set<String> refunded = ConcurrentHashMap.newKeySet();

    @Override
    public PaymentResult charge(Charge charge) {
        if ("tok_timeout".equals(charge.token())) {
            return new TimedOut();   // not remembered: the provider never processed it
        }
        return outcomes.computeIfAbsent(charge.attemptId(), id -> {
            if ("tok_decline".equals(charge.token())) {
                return new Declined("card declined");
            }
            orderOfAttempt.put(id, charge.orderId());
            return new Approved("sbx_" + UUID.randomUUID());
        });
    }

    @Override
    public Optional<PaymentResult> lookup(String attemptId) {
        return Optional.ofNullable(outcomes.get(attemptId));
    }

    @Override
    public void refund(String attemptId) {
        if (outcomes.get(attemptId) instanceof Approved) {
            refunded.add(attemptId);
        }
    }

    /** How many approved charges the order has, refunds not subtracted. */
    public long charges(String orderId) {
        return orderOfAttempt.values().stream().filter(orderId::equals).count();
    }

    /** How many of the order's approved charges were refunded. */
    public long refunds(String orderId) {
        return refunded.stream().filter(a -> orderId.equals(orderOfAttempt.get(a))).count();
    }
}

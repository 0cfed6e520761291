package dev.kedai.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.List;

import org.junit.jupiter.api.Test;

/** What a fault's window may hold (issue 12: errors inside it are 503/504 with a problem body, never a 500). */
class FaultWindowTest {

    private static CheckoutLoad.ClientError answer(String step, int status, boolean explained, String body) {
        return new CheckoutLoad.ClientError(0, step, status, "unexpected", explained, body);
    }

    @Test
    void problemAnswersAndNoAnswerAtAllAreWhatAFaultLooksLike() {
        assertThat(FaultRun.inWindow(List.of(
                answer("order", 503, true, "{\"title\":\"Service Unavailable\"}"),
                answer("cart", 502, true, "{\"message\":\"An invalid response was received from the upstream server\"}"),
                new CheckoutLoad.ClientError(0, "pay", 0, "timeout", false, null)), "kill-stock")).isEmpty();
    }

    @Test
    void aFiveHundredOrAnAnswerTheClientCannotReadIsAViolation() {
        assertThat(FaultRun.inWindow(List.of(
                answer("order", 500, true, "{\"title\":\"Internal Server Error\"}"),
                answer("order", 503, false, "Service Unavailable"),
                answer("order", 503, false, "Service Unavailable"),
                answer("pay", 503, true, "{}")), "restart-cartorder"))
                .extracting(Violation::invariant, Violation::detail)
                .containsExactly(
                        tuple("no-500",
                                "1 × order answered 500 during restart-cartorder, e.g. {\"title\":\"Internal Server Error\"}"),
                        tuple("errors-explained",
                                "2 × order 503 without a problem body during restart-cartorder, e.g. Service Unavailable"));
    }
}

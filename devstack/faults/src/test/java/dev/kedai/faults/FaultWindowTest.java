package dev.kedai.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.List;
import java.util.concurrent.TimeUnit;

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

    private static final long S = TimeUnit.SECONDS.toNanos(1);

    private static CheckoutLoad.Journey clean(double start, double end) {
        return new CheckoutLoad.Journey("buy", (long) (start * S), (long) (end * S), true, true);
    }

    private static CheckoutLoad.ClientError refusal(double at) {
        return new CheckoutLoad.ClientError((long) (at * S), "order", 503, "unexpected", true, "{}");
    }

    @Test
    void oneLuckyJourneyAmidRefusalsIsNotARecovery() {
        // restored at 0; one journey gets through at 3 s while the herd is still refused until 8 s
        List<CheckoutLoad.Journey> journeys = List.of(clean(1, 3), clean(7, 9), clean(9, 10));
        List<CheckoutLoad.ClientError> errors = List.of(refusal(4), refusal(6), refusal(8));
        assertThat(FaultRun.steadyAfter(journeys, errors, 0, 0, 20 * S)).as("9 s: the first clean end followed by 2 s without an error")
                .isEqualTo(9 * S);
        assertThat(FaultRun.steadyAfter(journeys, errors, 0, 0, 10 * S)).as("not known before 2 s have passed").isNull();
    }

    @Test
    void aCleanJourneyWithNoErrorAfterItIsTheRecovery() {
        assertThat(FaultRun.steadyAfter(List.of(clean(0.5, 0.8)), List.of(refusal(0.2)), 0, 0, 3 * S)).isEqualTo((long) (0.8 * S));
        assertThat(FaultRun.steadyAfter(List.of(clean(-1, 0.8)), List.of(), 1, 0, 3 * S))
                .as("a journey that started before the restore does not count").isNull();
    }

    @Test
    void aLullBeforeTheInterruptedCustomersComeBackIsNotARecovery() {
        // restored at 0; two customers begun before it wait for their queued adds until 8 s and
        // then order into refusals; new journeys are clean from 1 s on
        List<CheckoutLoad.ClientError> herd = List.of(refusal(8.5), refusal(9));
        List<CheckoutLoad.Journey> meanwhile = List.of(clean(0.5, 1), clean(1.5, 2), clean(2.5, 3));
        assertThat(FaultRun.steadyAfter(meanwhile, herd, 2, 0, 6 * S))
                .as("at 6 s, 5 s after a clean journey with no error: the interrupted two have not ended").isNull();
        List<CheckoutLoad.Journey> all = new java.util.ArrayList<>(meanwhile);
        all.addAll(List.of(new CheckoutLoad.Journey("buy", -2 * S, (long) (9.5 * S), true, false),
                new CheckoutLoad.Journey("buy", -1 * S, 10 * S, true, false), clean(9, 10.5), clean(10, 11)));
        assertThat(FaultRun.steadyAfter(all, herd, 2, 0, 20 * S))
                .as("the first clean end after the last interrupted journey ended, then 2 s without an error")
                .isEqualTo((long) (10.5 * S));
    }

    @Test
    void theWarmUpLastsUntilFiveSecondsPassWithoutAnError() {
        // a cold stack refused at 12 s and 16 s into the load
        List<CheckoutLoad.ClientError> errors = List.of(refusal(12), refusal(16));
        assertThat(FaultRun.quietFor(errors, FaultRun.WARM, 20 * S)).as("at 20 s: the 16 s refusal is 4 s old").isFalse();
        assertThat(FaultRun.quietFor(errors, FaultRun.WARM, 21 * S + 1)).as("at 21 s: 5 s without one").isTrue();
        assertThat(FaultRun.quietFor(List.of(), FaultRun.WARM, 20 * S)).isTrue();
    }
}

package dev.kedai.cartorder;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.kedai.platform.money.Money;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.kedai.cartorder.PaymentGateway.Approved;
import static dev.kedai.cartorder.PaymentGateway.Charge;
import static dev.kedai.cartorder.PaymentGateway.Declined;
import static org.assertj.core.api.Assertions.assertThat;

/** The sandbox provider with a ledger file remembers across a restart of cartorder, as a real one does. */
class SandboxPaymentGatewayTest {

    private static final Money TOTAL = new Money(12_500, "IDR");

    @TempDir
    Path dir;

    @Test
    void aRestartedSandboxKnowsEveryChargeAndRefundOfTheLedger() throws Exception {
        Path ledger = dir.resolve("ledger.tsv");
        SandboxPaymentGateway first = new SandboxPaymentGateway(ledger);
        Approved approved = (Approved) first.charge(new Charge("a1", "o1", TOTAL, "tok_visa"));
        first.charge(new Charge("a2", "o2", TOTAL, "tok_decline"));
        first.charge(new Charge("a3", "o3", TOTAL, "tok_visa"));
        first.refund("a3");
        first.refund("a3");
        Files.writeString(ledger, "approv", java.nio.file.StandardOpenOption.APPEND); // torn by a crash

        SandboxPaymentGateway restarted = new SandboxPaymentGateway(ledger);

        assertThat(restarted.lookup("a1")).contains(approved);
        assertThat(restarted.lookup("a2")).get().isInstanceOf(Declined.class);
        assertThat(restarted.charge(new Charge("a1", "o1", TOTAL, "tok_visa"))).as("idempotent by attempt").isEqualTo(approved);
        assertThat(restarted.charges("o1")).isEqualTo(1);
        assertThat(restarted.charges("o3")).isEqualTo(1);
        assertThat(restarted.refunds("o3")).isEqualTo(1);
        assertThat(Files.readAllLines(ledger)).filteredOn(l -> l.startsWith("refund")).hasSize(1);

        restarted.charge(new Charge("a4", "o4", TOTAL, "tok_visa"));
        assertThat(new SandboxPaymentGateway(ledger).charges("o4")).as("written after the torn line").isEqualTo(1);
    }

    /**
     * Two cartorder replicas on one ledger are one provider: an attempt sent again through the other
     * replica is charged once, and the other replica's lookup and refund find the charge. Each
     * used to know only what it had charged itself and what the file held when it started.
     */
    @Test
    void twoReplicasOnOneLedgerChargeAnAttemptOnceAndSeeEachOthersCharges() {
        Path ledger = dir.resolve("shared.tsv");
        SandboxPaymentGateway a = new SandboxPaymentGateway(ledger);
        SandboxPaymentGateway b = new SandboxPaymentGateway(ledger);

        Approved charged = (Approved) a.charge(new Charge("a1", "o1", TOTAL, "tok_visa"));
        assertThat(b.lookup("a1")).as("the other replica's reconciler asks").contains(charged);
        assertThat(b.charge(new Charge("a1", "o1", TOTAL, "tok_visa"))).as("retried through b").isEqualTo(charged);
        b.refund("a1");
        a.refund("a1");

        SandboxPaymentGateway reader = new SandboxPaymentGateway(ledger);
        assertThat(reader.charges("o1")).isEqualTo(1);
        assertThat(reader.refunds("o1")).isEqualTo(1);
        assertThat(a.refunds("o1")).isEqualTo(1);
    }

    @Test
    void withoutALedgerItForgetsOnRestart() {
        new SandboxPaymentGateway().charge(new Charge("a1", "o1", TOTAL, "tok_visa"));

        assertThat(new SandboxPaymentGateway().lookup("a1")).isEmpty();
    }
}

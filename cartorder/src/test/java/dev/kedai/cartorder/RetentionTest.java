package dev.kedai.cartorder;

import java.time.Duration;

import dev.kedai.platform.db.RetentionPurge;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.kedai.cartorder.CartOrderFixture.newId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The bookkeeping tables are purged past their retention (the fixture purges every 0.2 s with the
 * default retentions), each by an index, and nothing still in use is deleted.
 */
class RetentionTest {

    private static CartOrderFixture f;

    @BeforeAll
    static void start() {
        f = CartOrderFixture.shared();
    }

    @Test
    void rowsPastTheirRetentionAreDeletedAndNothingStillInUse() {
        String user = newId();
        String oldKey = newId();
        String runningKey = newId();
        String freshKey = newId();
        f.query("""
                INSERT INTO idempotency_keys (user_id, idem_key, request_hash, order_id, state, locked_until, created_at)
                VALUES (?, ?, 'h', ?, 'DONE', CURRENT_TIMESTAMP(3), CURRENT_TIMESTAMP(3) - INTERVAL 8 DAY),
                       (?, ?, 'h', ?, 'IN_FLIGHT', CURRENT_TIMESTAMP(3) + INTERVAL 1 HOUR, CURRENT_TIMESTAMP(3) - INTERVAL 8 DAY),
                       (?, ?, 'h', ?, 'DONE', CURRENT_TIMESTAMP(3), CURRENT_TIMESTAMP(3) - INTERVAL 6 DAY)""",
                user, oldKey, newId(), user, runningKey, newId(), user, freshKey, newId());
        String oldOp = newId();
        String freshOp = newId();
        f.query("""
                INSERT INTO cart_operations (operation_id, user_id, applied_at)
                VALUES (?, ?, CURRENT_TIMESTAMP(3) - INTERVAL 8 DAY), (?, ?, CURRENT_TIMESTAMP(3) - INTERVAL 6 DAY)""",
                oldOp, user, freshOp, user);
        String order = newId();
        String settled = newId();
        String pending = newId();
        String refunding = newId();
        String recent = newId();
        f.query("""
                INSERT INTO payment_attempts (attempt_id, order_id, status, amount, currency, created_at) VALUES
                (?, ?, 'APPROVED', 1, 'IDR', CURRENT_TIMESTAMP(3) - INTERVAL 91 DAY),
                (?, ?, 'PENDING', 1, 'IDR', CURRENT_TIMESTAMP(3) - INTERVAL 91 DAY),
                (?, ?, 'REFUNDING', 1, 'IDR', CURRENT_TIMESTAMP(3) - INTERVAL 91 DAY),
                (?, ?, 'DECLINED', 1, 'IDR', CURRENT_TIMESTAMP(3) - INTERVAL 89 DAY)""",
                settled, order, pending, order, refunding, order, recent, order);
        String deadUser = newId();
        f.query("INSERT INTO checkout_guards (user_id, order_id, locked_until) VALUES (?, ?, CURRENT_TIMESTAMP(3) - INTERVAL 2 HOUR)",
                deadUser, newId());

        await().atMost(Duration.ofSeconds(20)).until(() ->
                f.count("SELECT COUNT(*) FROM idempotency_keys WHERE user_id = ? AND idem_key = ?", user, oldKey) == 0
                && f.count("SELECT COUNT(*) FROM cart_operations WHERE operation_id = ?", oldOp) == 0
                && f.count("SELECT COUNT(*) FROM payment_attempts WHERE attempt_id = ?", settled) == 0
                && f.count("SELECT COUNT(*) FROM checkout_guards WHERE user_id = ?", deadUser) == 0);
        assertThat(f.count("SELECT COUNT(*) FROM idempotency_keys WHERE user_id = ?", user))
                .as("the running checkout's key and the recent one stay").isEqualTo(2);
        assertThat(f.count("SELECT COUNT(*) FROM cart_operations WHERE operation_id = ?", freshOp)).isEqualTo(1);
        assertThat(f.count("SELECT COUNT(*) FROM payment_attempts WHERE order_id = ?", order))
                .as("unsettled attempts stay however old, recent ones stay").isEqualTo(3);
    }

    @Test
    void everyPurgeCanUseAnIndex() {
        for (RetentionPurge.Rule rule : new RetentionPurge.Rule[] {
                IdempotencyKeys.RETENTION, CartStore.RETENTION, PaymentStore.RETENTION, CheckoutGuard.RETENTION}) {
            assertThat(f.indexesFor(rule.delete(), 3_600_000_000L, 500)).as(rule.name()).isNotBlank();
        }
    }
}

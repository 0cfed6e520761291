-- Operations of CartService.AddItem and of AddToCart commands already applied: the gRPC call
-- and the fallback command of one add share operation_id, so an add is applied once whichever
-- path (or both) delivers it.
CREATE TABLE cart_operations (
    operation_id VARCHAR(64)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    user_id      CHAR(36)     NOT NULL,
    applied_at   TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
);

-- Idempotency-Key of POST /order, scoped to the user. The order id is chosen when the key is
-- claimed, so a retry that takes over an abandoned claim (lease expired) reserves stock under
-- the same order id, which stock treats idempotently. state: IN_FLIGHT, DONE.
CREATE TABLE idempotency_keys (
    user_id      CHAR(36)     NOT NULL,
    idem_key     VARCHAR(64)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    request_hash CHAR(64)     NOT NULL,
    order_id     CHAR(36)     NOT NULL,
    state        VARCHAR(12)  NOT NULL,
    locked_until TIMESTAMP(3) NOT NULL,
    created_at   TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (user_id, idem_key),
    INDEX idempotency_keys_created (created_at),
    CONSTRAINT idempotency_keys_state CHECK (state IN ('IN_FLIGHT', 'DONE'))
);

-- One row per call to the payment provider, written BEFORE the call; attempt_id is the
-- provider's idempotency key. status: PENDING (call in flight or outcome unknown), APPROVED,
-- DECLINED, TIMED_OUT, FAILED, REFUNDED (approved for an order that could no longer be paid),
-- ABANDONED (the provider never saw it).
CREATE TABLE payment_attempts (
    attempt_id   CHAR(36)     NOT NULL PRIMARY KEY,
    order_id     CHAR(36)     NOT NULL,
    status       VARCHAR(12)  NOT NULL,
    amount       BIGINT       NOT NULL,
    currency     CHAR(3)      NOT NULL,
    provider_ref VARCHAR(100) NULL,
    created_at   TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at   TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    INDEX payment_attempts_order (order_id, status)
);

-- USER or EXPIRED once CANCELLED; paid_at once PAID.
ALTER TABLE orders ADD COLUMN cancel_reason VARCHAR(10) NULL, ADD COLUMN paid_at TIMESTAMP(3) NULL;

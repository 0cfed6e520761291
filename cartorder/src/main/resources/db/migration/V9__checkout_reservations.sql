-- A Reserve sent to stock for a checkout whose order is not stored yet (issue 13, the fault
-- suite's reservation-without-open-order): written in its own statement BEFORE the Reserve,
-- deleted in the transaction that stores the order. A row that outlives checkout.abandoned-after
-- belongs to a checkout that failed or whose process died between the Reserve and storing the
-- order: the order reconciler moves it to RELEASING (from then on that checkout can no longer
-- store its order), releases the reservation in stock, forgets the Idempotency-Key (a retry
-- starts afresh) and deletes the row. state: RESERVING, RELEASING.
CREATE TABLE checkout_reservations (
    order_id   CHAR(36)     NOT NULL PRIMARY KEY,
    user_id    CHAR(36)     NOT NULL,
    idem_key   VARCHAR(64)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    state      VARCHAR(12)  NOT NULL,
    started_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    INDEX checkout_reservations_started (started_at),
    CONSTRAINT checkout_reservations_state CHECK (state IN ('RESERVING', 'RELEASING'))
);

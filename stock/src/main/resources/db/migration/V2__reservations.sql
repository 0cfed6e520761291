-- Reservations of orders: all lines of an order are reserved in one transaction or none.
-- status: RESERVED (holding units), COMMITTED (sold: on_hand dropped), RELEASED (order
-- cancelled), EXPIRED (released by the sweeper after expires_at). order_id makes every
-- call idempotent. paid is set by the OrderPaid event (which also commits).
CREATE TABLE reservations (
    order_id   CHAR(36)     NOT NULL PRIMARY KEY,
    status     VARCHAR(16)  NOT NULL,
    paid       BOOLEAN      NOT NULL DEFAULT FALSE,
    expires_at TIMESTAMP(3) NOT NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    CONSTRAINT reservations_status CHECK (status IN ('RESERVED', 'COMMITTED', 'RELEASED', 'EXPIRED')),
    INDEX reservations_due (status, expires_at)
);

CREATE TABLE reservation_lines (
    order_id   CHAR(36) NOT NULL,
    product_id CHAR(36) NOT NULL,
    quantity   INT      NOT NULL,
    PRIMARY KEY (order_id, product_id),
    CONSTRAINT reservation_lines_quantity CHECK (quantity > 0),
    CONSTRAINT reservation_lines_order FOREIGN KEY (order_id) REFERENCES reservations (order_id)
);

-- One line per (user, product); quantity is the line's total (1..99).
CREATE TABLE cart_items (
    item_id    CHAR(36)     NOT NULL PRIMARY KEY,
    user_id    CHAR(36)     NOT NULL,
    product_id CHAR(36)     NOT NULL,
    quantity   INT          NOT NULL,
    added_at   TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    CONSTRAINT cart_items_line UNIQUE (user_id, product_id),
    CONSTRAINT cart_items_quantity CHECK (quantity BETWEEN 1 AND 99)
);

-- Orders; money in minor units. status: PENDING_PAYMENT, PAID, FULFILLED, CANCELLED.
CREATE TABLE orders (
    order_id       CHAR(36)     NOT NULL PRIMARY KEY,
    user_id        CHAR(36)     NOT NULL,
    status         VARCHAR(20)  NOT NULL,
    total_amount   BIGINT       NOT NULL,
    total_currency CHAR(3)      NOT NULL DEFAULT 'IDR',
    address_id     CHAR(36)     NULL,
    created_at     TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    expires_at     TIMESTAMP(3) NOT NULL,
    updated_at     TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    INDEX orders_user_created (user_id, created_at),
    CONSTRAINT orders_status CHECK (status IN ('PENDING_PAYMENT', 'PAID', 'FULFILLED', 'CANCELLED'))
);

CREATE TABLE order_lines (
    order_id        CHAR(36)     NOT NULL,
    product_id      CHAR(36)     NOT NULL,
    name            VARCHAR(200) NOT NULL,
    unit_amount     BIGINT       NOT NULL,
    unit_currency   CHAR(3)      NOT NULL DEFAULT 'IDR',
    quantity        INT          NOT NULL,
    PRIMARY KEY (order_id, product_id)
);

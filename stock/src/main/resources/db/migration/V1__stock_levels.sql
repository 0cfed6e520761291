-- On-hand and reserved units per product. available = on_hand - reserved is never negative:
-- every change is a conditional UPDATE (or runs under a row lock), and the CHECK backs it up.
CREATE TABLE stock_levels (
    product_id CHAR(36)     NOT NULL PRIMARY KEY,
    on_hand    BIGINT       NOT NULL DEFAULT 0,
    reserved   BIGINT       NOT NULL DEFAULT 0,
    updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    CONSTRAINT stock_levels_sane CHECK (reserved >= 0 AND reserved <= on_hand)
);

-- cancel_reason OUT_OF_STOCK: a paid order whose stock was lost (its reservation had ended before
-- stock met OrderPaid, and the units were sold elsewhere) is cancelled and refunded.
ALTER TABLE orders MODIFY COLUMN cancel_reason VARCHAR(20) NULL;

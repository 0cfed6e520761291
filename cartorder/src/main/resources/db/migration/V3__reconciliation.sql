-- The payment reconciliation finds attempts by status and age (stale PENDING, REFUNDING), and
-- the retention purge deletes settled ones by status and age: both use this index.
CREATE INDEX payment_attempts_status_created ON payment_attempts (status, created_at);
-- Unpaid orders past their expiry, for the reconciliation that cancels them.
CREATE INDEX orders_status_expires ON orders (status, expires_at);

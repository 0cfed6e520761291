-- The retention purge (RetentionPurge rules next to each store) deletes applied cart operations
-- by age; idempotency_keys (created_at) and payment_attempts (status, created_at) have their
-- indexes already, checkout_guards gets one for its leases.
CREATE INDEX cart_operations_applied ON cart_operations (applied_at);
CREATE INDEX checkout_guards_locked ON checkout_guards (locked_until);

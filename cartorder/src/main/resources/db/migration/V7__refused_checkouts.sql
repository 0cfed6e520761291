-- One cart, one order across retries (issue 22): a checkout refused because another checkout of
-- the same cart was running keeps its Idempotency-Key, with that checkout's order id in lost_to.
-- A retry with the key, once that order exists, answers 400 instead of ordering whatever landed
-- in the cart since (an add that stock had queued, a late gRPC add).
ALTER TABLE idempotency_keys ADD COLUMN lost_to CHAR(36) NULL;

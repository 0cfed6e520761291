-- One checkout of a user's cart at a time, across replicas (issue 22): the running checkout
-- holds its user's row until it stores its order or fails; a second checkout (any
-- Idempotency-Key) finds it leased and answers 409. The lease lets the next checkout take over
-- from a process that died mid-checkout.
CREATE TABLE checkout_guards (
    user_id      CHAR(36)     NOT NULL PRIMARY KEY,
    order_id     CHAR(36)     NOT NULL,
    locked_until TIMESTAMP(3) NOT NULL
);

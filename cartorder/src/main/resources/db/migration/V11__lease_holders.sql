-- Which instance (platform InstanceName: the pod's name, the devstack's <svc>-k) holds a key's or
-- a cart's checkout lease. A restarted instance ends the leases its previous process held before it
-- serves (Checkout.endLeasesOfPreviousProcess): a client's retry and the customer's next checkout
-- then go ahead at once, not after checkout.key-lease (fault suite, kill-cartorder: 409 "checkout
-- in progress" after the recovery window). NULL: claimed before this column existed.
ALTER TABLE idempotency_keys ADD COLUMN holder VARCHAR(64) NULL, ADD INDEX idempotency_keys_holder (holder, state);
ALTER TABLE checkout_guards ADD COLUMN holder VARCHAR(64) NULL, ADD INDEX checkout_guards_holder (holder);

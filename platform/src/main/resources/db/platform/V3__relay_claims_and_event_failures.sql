-- The relay publishes without a transaction open: it claims rows in a short transaction
-- (claimed_by, claimed_until), publishes them, then marks them sent.
ALTER TABLE outbox
    ADD COLUMN claimed_by    VARCHAR(255) NULL,
    ADD COLUMN claimed_until TIMESTAMP(6) NULL;

-- The lock row becomes a lease: one relay per service publishes at a time (so events of one key
-- keep their order across replicas), and nobody holds a lock while Kafka is slow.
RENAME TABLE outbox_relay_lock TO outbox_relay_lease;
ALTER TABLE outbox_relay_lease
    ADD COLUMN holder      VARCHAR(255) NULL,
    ADD COLUMN lease_until TIMESTAMP(6) NULL;

-- Attempts of events whose handler failed deterministically, per consumer group: the count
-- survives a restart, so an event goes to <topic>.dlt after events.max-attempts whatever happens
-- in between. A row goes when its event is applied or dead-lettered (or ages out with
-- processed_events).
CREATE TABLE event_failures (
    consumer_group VARCHAR(190)  NOT NULL,
    event_id       VARCHAR(190)  NOT NULL,
    attempts       INT           NOT NULL,
    last_error     VARCHAR(1000) NOT NULL,
    updated_at     TIMESTAMP(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (consumer_group, event_id),
    INDEX event_failures_age (updated_at)
);

-- The purge deletes old processed ids of every group in one range scan (EventHistoryPurge);
-- the per-group index of V2 served a purge per group and only costs inserts now.
CREATE INDEX processed_events_processed_at ON processed_events (processed_at);
DROP INDEX processed_events_age ON processed_events;

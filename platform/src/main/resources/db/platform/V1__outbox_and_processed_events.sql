-- Platform tables, migrated into every service schema with their own history table
-- (flyway_platform_history), so services never copy them.

-- Transactional outbox: written in the same transaction as the state change,
-- published by OutboxRelay in id order, then marked sent.
CREATE TABLE outbox (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event_id    VARCHAR(64)  NOT NULL,             -- ce_id
    topic       VARCHAR(249) NOT NULL,             -- Kafka's own topic name limit
    event_key   VARCHAR(255) NOT NULL,             -- aggregate id = Kafka record key
    event_type  VARCHAR(255) NOT NULL,             -- ce_type = protobuf full name
    source      VARCHAR(255) NOT NULL,             -- ce_source
    event_time  VARCHAR(40)  NOT NULL,             -- ce_time, RFC 3339 UTC as sent
    payload     MEDIUMBLOB   NOT NULL,
    created_at  TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    sent_at     TIMESTAMP(6) NULL,
    CONSTRAINT outbox_event_id UNIQUE (event_id),
    INDEX outbox_unsent (sent_at, id)
);

-- Idempotent consumption: one row per (consumer group, ce_id), inserted in the
-- same transaction as the consumer's effect.
CREATE TABLE processed_events (
    consumer_group VARCHAR(190) NOT NULL,
    event_id       VARCHAR(190) NOT NULL,
    processed_at   TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (consumer_group, event_id)
);

-- One row whose lock is held by the relay that is publishing right now: with several
-- replicas only one relays at a time, so events of one key never overtake each other.
CREATE TABLE outbox_relay_lock (
    id INT NOT NULL PRIMARY KEY
);
INSERT INTO outbox_relay_lock (id) VALUES (1);

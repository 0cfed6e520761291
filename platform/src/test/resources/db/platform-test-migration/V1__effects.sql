-- Test-only service schema: one row per applied event effect.
CREATE TABLE effects (
    id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event_key  VARCHAR(255) NOT NULL,
    event_type VARCHAR(255) NOT NULL
);

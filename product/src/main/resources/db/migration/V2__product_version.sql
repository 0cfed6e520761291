-- A counter bumped by every write. The Redis cache keeps it next to each entry and refuses to
-- store an older version over a newer one, so a reader that loaded a row just before an update
-- cannot put the old price back after the update has invalidated the entry.
ALTER TABLE products ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

-- SessionPurge deletes by expiry in small batches; without these indexes every batch would scan
-- (and, in InnoDB, lock) the whole table while logins and refreshes write to it.
CREATE INDEX sessions_expires ON sessions (expires_ms);
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_ms);

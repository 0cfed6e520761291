-- A session is one login: its refresh tokens form one rotating family, and its access tokens carry
-- its id as `sid`. Times that are compared in code are epoch milliseconds (no time-zone questions).
CREATE TABLE sessions (
    session_id  CHAR(36)     NOT NULL PRIMARY KEY,
    user_id     CHAR(36)     NOT NULL,
    created_at  TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    expires_ms  BIGINT       NOT NULL,
    revoked_ms  BIGINT       NULL,
    INDEX sessions_user (user_id)
);

-- Only the SHA-256 of a refresh token is stored: a leaked table does not leak usable tokens.
CREATE TABLE refresh_tokens (
    token_hash  CHAR(64)     NOT NULL PRIMARY KEY,
    session_id  CHAR(36)     NOT NULL,
    expires_ms  BIGINT       NOT NULL,
    used_ms     BIGINT       NULL,
    INDEX refresh_tokens_session (session_id)
);

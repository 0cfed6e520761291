-- Accounts and their credentials. email is stored lower-cased, so uniqueness is case-insensitive.
CREATE TABLE credentials (
    user_id       CHAR(36)     NOT NULL PRIMARY KEY,
    email         VARCHAR(254) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    role          VARCHAR(16)  NOT NULL DEFAULT 'customer',
    created_at    TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    CONSTRAINT credentials_email UNIQUE (email),
    CONSTRAINT credentials_role CHECK (role IN ('customer', 'admin'))
);

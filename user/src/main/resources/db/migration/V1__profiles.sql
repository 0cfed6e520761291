-- Profiles are created from auth's UserRegistered event; addresses belong to one user.
CREATE TABLE profiles (
    user_id    CHAR(36)     NOT NULL PRIMARY KEY,
    email      VARCHAR(254) NOT NULL,
    name       VARCHAR(100) NOT NULL,
    phone      VARCHAR(20)  NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    INDEX profiles_created (created_at)
);

CREATE TABLE addresses (
    address_id  CHAR(36)     NOT NULL PRIMARY KEY,
    user_id     CHAR(36)     NOT NULL,
    label       VARCHAR(40)  NOT NULL,
    recipient   VARCHAR(100) NOT NULL,
    line1       VARCHAR(200) NOT NULL,
    city        VARCHAR(100) NOT NULL,
    postal_code VARCHAR(10)  NOT NULL,
    country     CHAR(2)      NOT NULL,
    created_at  TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    INDEX addresses_user (user_id)
);

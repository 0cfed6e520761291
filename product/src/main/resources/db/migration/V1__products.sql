-- The catalog. Money is minor units + ISO 4217 currency; attributes is free-form JSON.
CREATE TABLE products (
    product_id     CHAR(36)      NOT NULL PRIMARY KEY,
    sku            VARCHAR(64)   NOT NULL,
    name           VARCHAR(200)  NOT NULL,
    description    TEXT          NOT NULL,
    price_amount   BIGINT        NOT NULL,
    price_currency CHAR(3)       NOT NULL DEFAULT 'IDR',
    category       VARCHAR(40)   NOT NULL,
    attributes     JSON          NOT NULL DEFAULT ('{}'),
    active         BOOLEAN       NOT NULL DEFAULT TRUE,
    created_at     TIMESTAMP(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at     TIMESTAMP(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    CONSTRAINT products_sku UNIQUE (sku),
    CONSTRAINT products_price CHECK (price_amount >= 0),
    CONSTRAINT products_attributes CHECK (JSON_VALID(attributes)),
    INDEX products_category (category, active),
    INDEX products_created (created_at),
    FULLTEXT INDEX products_text (name, description)
);

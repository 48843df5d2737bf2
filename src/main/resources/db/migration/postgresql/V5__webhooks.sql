-- Webhook endpoints (PostgreSQL). Keep in step with ../sqlite/V5__webhooks.sql.
-- events: JSON array of event type names, NULL for every event. The secret signs deliveries, so it is kept
-- as is; after a rotation the previous one keeps signing (alongside) until previous_secret_until.
CREATE TABLE webhooks (
    id                    UUID    NOT NULL PRIMARY KEY,
    account_id            UUID    NOT NULL REFERENCES accounts (id),
    mode                  TEXT    NOT NULL,
    url                   TEXT    NOT NULL,
    events                TEXT,
    enabled               BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason       TEXT,
    secret                TEXT    NOT NULL,
    previous_secret       TEXT,
    previous_secret_until BIGINT,
    created_at            BIGINT  NOT NULL,
    updated_at            BIGINT  NOT NULL
);
CREATE INDEX webhooks_account_idx ON webhooks (account_id, mode, created_at, id);

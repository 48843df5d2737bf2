-- Webhook endpoints (SQLite). Keep in step with ../postgresql/V5__webhooks.sql.
-- events: JSON array of event type names, NULL for every event. The secret signs deliveries, so it is kept
-- as is; after a rotation the previous one keeps signing (alongside) until previous_secret_until.
CREATE TABLE webhooks (
    id                    TEXT    NOT NULL PRIMARY KEY,
    account_id            TEXT    NOT NULL REFERENCES accounts (id),
    mode                  TEXT    NOT NULL,
    url                   TEXT    NOT NULL,
    events                TEXT,
    enabled               INTEGER NOT NULL DEFAULT 1,
    disabled_reason       TEXT,
    secret                TEXT    NOT NULL,
    previous_secret       TEXT,
    previous_secret_until INTEGER,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
);
CREATE INDEX webhooks_account_idx ON webhooks (account_id, mode, created_at, id);

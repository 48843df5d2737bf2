-- Accounts, API keys, numbers and the idempotency store (SQLite). Times are epoch milliseconds; ids are
-- UUID text. Keep in step with ../postgresql/V1__accounts_keys_numbers_idempotency.sql.
CREATE TABLE accounts (
    id         TEXT    NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    status     TEXT    NOT NULL CHECK (status IN ('active', 'suspended')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id          TEXT    NOT NULL PRIMARY KEY,
    account_id  TEXT    NOT NULL REFERENCES accounts (id),
    mode        TEXT    NOT NULL CHECK (mode IN ('test', 'live')),
    prefix      TEXT    NOT NULL,
    secret_hash TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX api_keys_prefix_idx ON api_keys (prefix);
CREATE INDEX api_keys_account_idx ON api_keys (account_id);

CREATE TABLE numbers (
    id         TEXT    NOT NULL PRIMARY KEY,
    account_id TEXT    NOT NULL REFERENCES accounts (id),
    mode       TEXT    NOT NULL CHECK (mode IN ('test', 'live')),
    handle     TEXT    NOT NULL UNIQUE,
    channels   TEXT    NOT NULL,
    label      TEXT,
    status     TEXT    NOT NULL CHECK (status IN ('online', 'offline')),
    provider   TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX numbers_account_idx ON numbers (account_id, mode, created_at);

CREATE TABLE idempotency_keys (
    account_id  TEXT    NOT NULL,
    mode        TEXT    NOT NULL,
    endpoint    TEXT    NOT NULL,
    idem_key    TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    resource_id TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, mode, endpoint, idem_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

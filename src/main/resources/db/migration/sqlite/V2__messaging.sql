-- Conversations, messages, their timeline, the event log and the durable job queue (SQLite).
-- Keep in step with ../postgresql/V2__messaging.sql.
CREATE TABLE conversations (
    id              TEXT    NOT NULL PRIMARY KEY,
    account_id      TEXT    NOT NULL REFERENCES accounts (id),
    mode            TEXT    NOT NULL,
    from_handle     TEXT    NOT NULL,
    remote_handle   TEXT,
    is_group        INTEGER NOT NULL DEFAULT 0,
    title           TEXT,
    last_message_at INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
-- One direct thread per (account, mode, number, contact); groups have no remote_handle.
CREATE UNIQUE INDEX conversations_direct_idx ON conversations (account_id, mode, from_handle, remote_handle)
    WHERE remote_handle IS NOT NULL;
CREATE INDEX conversations_list_idx ON conversations (account_id, mode, created_at, id);

CREATE TABLE messages (
    id              TEXT    NOT NULL PRIMARY KEY,
    account_id      TEXT    NOT NULL,
    mode            TEXT    NOT NULL,
    conversation_id TEXT    NOT NULL REFERENCES conversations (id),
    direction       TEXT    NOT NULL CHECK (direction IN ('outbound', 'inbound')),
    status          TEXT    NOT NULL,
    channel         TEXT,
    from_handle     TEXT    NOT NULL,
    to_handle       TEXT,
    body            TEXT,
    effect          TEXT,
    reply_to        TEXT,
    requested_channel TEXT,
    metadata        TEXT,
    error_code      TEXT,
    error_message   TEXT,
    scheduled_at    INTEGER,
    sent_at         INTEGER,
    delivered_at    INTEGER,
    read_at         INTEGER,
    edited_at       INTEGER,
    retry_count     INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX messages_list_idx ON messages (account_id, mode, created_at, id);
CREATE INDEX messages_conversation_idx ON messages (conversation_id, created_at, id);

CREATE TABLE message_timeline (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT    NOT NULL REFERENCES messages (id),
    status     TEXT    NOT NULL,
    channel    TEXT,
    detail     TEXT,
    at         INTEGER NOT NULL
);
CREATE INDEX message_timeline_message_idx ON message_timeline (message_id, seq);

CREATE TABLE events (
    cursor          INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL UNIQUE,
    account_id      TEXT    NOT NULL,
    mode            TEXT    NOT NULL,
    type            TEXT    NOT NULL,
    conversation_id TEXT,
    payload         TEXT    NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX events_account_idx ON events (account_id, mode, cursor);

CREATE TABLE jobs (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    lane        TEXT,
    payload     TEXT,
    run_at      INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until INTEGER,
    last_error  TEXT,
    created_at  INTEGER NOT NULL
);
CREATE INDEX jobs_due_idx ON jobs (run_at, seq);
CREATE INDEX jobs_lane_idx ON jobs (lane, seq) WHERE lane IS NOT NULL;

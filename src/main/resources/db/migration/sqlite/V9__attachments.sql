-- Attachments: uploaded (multipart or presigned PUT) or received media, staged until one message claims it.
-- Bytes live in the blob store, content-addressed by sha256 (several attachments may share one blob); a
-- presigned attachment has no blob until its PUT arrives (state 'pending'). Keep in step with
-- ../postgresql/V9__attachments.sql.
CREATE TABLE attachments (
    id          TEXT    NOT NULL PRIMARY KEY,
    account_id  TEXT    NOT NULL REFERENCES accounts (id),
    mode        TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('pending', 'ready')),
    filename    TEXT    NOT NULL,
    mime_type   TEXT    NOT NULL,
    size_bytes  INTEGER NOT NULL DEFAULT 0,
    sha256      TEXT,
    message_id  TEXT,
    position    INTEGER,
    expires_at  INTEGER,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX attachments_message_idx ON attachments (message_id, position) WHERE message_id IS NOT NULL;
CREATE INDEX attachments_expiry_idx ON attachments (expires_at) WHERE message_id IS NULL;
CREATE INDEX attachments_blob_idx ON attachments (sha256) WHERE sha256 IS NOT NULL;

-- Secrets the server keeps for itself, shared by every process on the database (e.g. the key that signs
-- download and upload links).
CREATE TABLE server_secrets (
    name       TEXT    NOT NULL PRIMARY KEY,
    value      TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

-- The attachment objects of a message (a JSON array, as the message object shows them), fixed when the message
-- is created; NULL for a message without attachments.
ALTER TABLE messages ADD COLUMN attachments TEXT;

-- Events without the unique index on their id (sqlite). Keep in step with
-- ../postgresql/V16__events_without_a_unique_index_on_id.sql.
-- Nothing looks an event up by id since V14 (a delivery finds its event by cursor), yet every event paid an entry in
-- sqlite_autoindex_events_1, four per sent message: 7.5 % of the pages written to the log under the send load, and
-- 13 % of the send rate in alternating runs (bench profile sqlite). Ids stay unique by construction (Ids.eventId:
-- the time and 15 random base-62 characters). The index belongs to the table's definition, so the table is copied.
-- The cursors are kept, and so is the AUTOINCREMENT high-water mark: a log purged down to its last rows must never
-- hand out a cursor a consumer has already seen.
ALTER TABLE events RENAME TO events_before_v16;
DROP INDEX events_account_idx;
CREATE TABLE events (
    cursor          INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL,
    account_id      TEXT    NOT NULL,
    mode            TEXT    NOT NULL,
    type            TEXT    NOT NULL,
    conversation_id TEXT,
    payload         TEXT    NOT NULL,
    created_at      INTEGER NOT NULL
);
INSERT INTO events (cursor, id, account_id, mode, type, conversation_id, payload, created_at)
    SELECT cursor, id, account_id, mode, type, conversation_id, payload, created_at FROM events_before_v16 ORDER BY cursor;
DELETE FROM sqlite_sequence WHERE name = 'events';
INSERT INTO sqlite_sequence (name, seq) SELECT 'events', seq FROM sqlite_sequence WHERE name = 'events_before_v16';
DROP TABLE events_before_v16;
CREATE INDEX events_account_idx ON events (account_id, mode, cursor);

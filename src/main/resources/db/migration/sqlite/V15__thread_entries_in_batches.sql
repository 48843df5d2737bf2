-- The index of messages by thread, written in batches (sqlite). Keep in step with
-- ../postgresql/V15__thread_entries_in_batches.sql.
-- messages_conversation_idx put each new message on a random page of the index (its thread's last one), so that every
-- commit rewrote one index page per message it held, in the log and again at the checkpoint: the largest single cost
-- of a send on SQLite (measured: 8-22 % of the send and webhook rates). Its entries now live in thread_entries, written
-- about a second after the messages commit, a second's worth at a time sorted by thread (ThreadIndex.catchUp), so
-- that a batch puts many entries on each page; every message up to rowid thread_entries_mark.upto has its entry.
-- Reads by thread take the messages of the entries and every message past the mark, by rowid, in one statement
-- (ThreadIndex), so they miss nothing and count nothing twice. messages never gives up a rowid: no message row is
-- ever deleted.
CREATE TABLE thread_entries (
    conversation_id TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    id              TEXT    NOT NULL,
    PRIMARY KEY (conversation_id, created_at, id)
) WITHOUT ROWID;
CREATE TABLE thread_entries_mark (
    only INTEGER PRIMARY KEY CHECK (only = 1),
    upto INTEGER NOT NULL
);
INSERT INTO thread_entries (conversation_id, created_at, id) SELECT conversation_id, created_at, id FROM messages;
INSERT INTO thread_entries_mark (only, upto) VALUES (1, COALESCE((SELECT MAX(rowid) FROM messages), 0));
DROP INDEX messages_conversation_idx;

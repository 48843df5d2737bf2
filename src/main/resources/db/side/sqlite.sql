-- The side file of a SQLite store (msgbubbles-threads.db beside msgbubbles.db; see Database.sideFile): data derived
-- from the store, written on a connection of its own instead of through the store's single writer. Run each time the
-- store opens, so every statement here must leave existing tables as they are.
--
-- The index of messages by thread (ThreadIndex), moved here from the store by its V20 migration: entries written
-- about a second after their messages commit, a second's worth at a time sorted by thread; every message up to rowid
-- thread_entries_mark.upto of the store's messages has its entry, and upto_id is that message's id, so that a side file
-- that does not match its store (the store restored from a backup, or another store's file) is recognised and
-- written again from the start.
CREATE TABLE IF NOT EXISTS thread_entries (
    conversation_id TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    id              TEXT    NOT NULL,
    PRIMARY KEY (conversation_id, created_at, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS thread_entries_mark (
    only    INTEGER PRIMARY KEY CHECK (only = 1),
    upto    INTEGER NOT NULL,
    upto_id TEXT
);
INSERT OR IGNORE INTO thread_entries_mark (only, upto, upto_id) VALUES (1, 0, NULL);

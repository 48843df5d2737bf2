-- iMessage groups: who is in each group, and when the network first accepted one of its messages (a group is
-- "established" from then on; rename and membership changes need that). Direct threads keep their contact in
-- conversations.remote_handle and have no rows here. Keep in step with ../postgresql/V8__groups.sql.
ALTER TABLE conversations ADD COLUMN established_at INTEGER;

CREATE TABLE conversation_participants (
    conversation_id TEXT    NOT NULL REFERENCES conversations (id),
    handle          TEXT    NOT NULL,
    position        INTEGER NOT NULL,
    added_at        INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, handle)
);

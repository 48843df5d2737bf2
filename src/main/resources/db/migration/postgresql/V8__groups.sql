-- iMessage groups: who is in each group, and when the network first accepted one of its messages (a group is
-- "established" from then on; rename and membership changes need that). Direct threads keep their contact in
-- conversations.remote_handle and have no rows here. Keep in step with ../sqlite/V8__groups.sql.
ALTER TABLE conversations ADD COLUMN established_at BIGINT;

CREATE TABLE conversation_participants (
    conversation_id UUID    NOT NULL REFERENCES conversations (id),
    handle          TEXT    NOT NULL,
    position        INTEGER NOT NULL,
    added_at        BIGINT  NOT NULL,
    PRIMARY KEY (conversation_id, handle)
);

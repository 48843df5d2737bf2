-- Whether a send asked for its audio attachment as a voice note (converted per channel in the send job). Keep in
-- step with ../sqlite/V10__voice_memo.sql.
ALTER TABLE messages ADD COLUMN voice_memo BOOLEAN NOT NULL DEFAULT FALSE;

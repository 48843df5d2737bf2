-- last_message_at is derived from the newest message of the thread on read (messages_conversation_idx makes that
-- an index lookup). Updating it on every send made each conversation row a hot spot: concurrent batches updating
-- the same rows in different orders deadlocked on PostgreSQL.
ALTER TABLE conversations DROP COLUMN last_message_at;

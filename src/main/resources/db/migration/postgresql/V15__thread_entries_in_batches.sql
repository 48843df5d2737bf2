-- Nothing to do on PostgreSQL, whose index of messages by thread (messages_conversation_idx) costs a send an index
-- entry, not a rewritten page in the log per commit; kept in step with ../sqlite/V15__thread_entries_in_batches.sql
-- so that both stores count the same migrations.
SELECT 1;

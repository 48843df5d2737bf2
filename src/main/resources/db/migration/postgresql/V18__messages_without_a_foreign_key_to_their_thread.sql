-- Messages without a foreign key to their thread (postgresql). Keep in step with
-- ../sqlite/V18__messages_without_a_foreign_key_to_their_thread.sql.
-- PostgreSQL checks a foreign key per inserted row with a query of its own that also locks the referenced row
-- (SELECT ... FOR KEY SHARE): under the send load that was half of all statements the server ran (auto_explain,
-- one sample in fifty), and every lock marks the thread's row and writes a log record (0.85 records per send,
-- pg_walinspect). The thread is found or created in the transaction that inserts the message, and threads are
-- never deleted, so the check could never fail; SQLite keeps enforcing it (a lookup in the same file, no lock), so
-- every test running on SQLite still proves that no code path writes a message without its thread.
ALTER TABLE messages DROP CONSTRAINT messages_conversation_id_fkey;

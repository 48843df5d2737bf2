-- Nothing to do on SQLite, whose check of a message's thread is one lookup in the same file, with no lock and no
-- write: it keeps enforcing it, so that every test running on SQLite proves that no code path writes a message
-- without its thread. Kept in step with ../postgresql/V18__messages_without_a_foreign_key_to_their_thread.sql so
-- that both stores count the same migrations.
SELECT 1;

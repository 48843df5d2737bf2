-- The index of messages by thread moves to the store's side file (sqlite only; PostgreSQL keeps its ordinary index,
-- so it has no V20). Written through the store's single writer, its entries took that writer's time from every send:
-- in bench ab a prototype that wrote them on a connection of their own to another file ran 13.4 % more sends a
-- second, faster in every pair; this change itself +3 to +4 % (inside the noise), with a lower p99 in six of its
-- seven pairs. The side file (db/side/sqlite.sql, msgbubbles-threads.db beside msgbubbles.db) starts empty: the server
-- indexes every message again at its next start, 50,000 at a time, before it listens (ThreadIndex.start).
DROP TABLE thread_entries;
DROP TABLE thread_entries_mark;

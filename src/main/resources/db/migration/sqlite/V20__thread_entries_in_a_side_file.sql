-- The index of messages by thread moves to the store's side file (sqlite only; PostgreSQL keeps its ordinary index,
-- so it has no V20). Written through the store's single writer, its entries took that writer's time from every send:
-- measured, a build that wrote them on a connection of their own to another file ran 13.4 % more sends a second, with
-- a lower p99, faster in every pair of `bench ab`. The side file (db/side/sqlite.sql, msgbubbles-threads.db beside
-- msgbubbles.db) starts empty: the first catch-ups after the upgrade index every message again, 50,000 at a time, and
-- until they have, reads by thread look through the messages not yet indexed, as they always do past the mark.
DROP TABLE thread_entries;
DROP TABLE thread_entries_mark;

-- Leave room on each page of the tables whose rows are updated soon after they are written (postgresql): a
-- message moves from queued to sent, delivered and read; a delivery from pending to succeeded. With room on the
-- page, PostgreSQL keeps the new row version there and, since none of the changed columns is indexed, writes no
-- new index entries (a heap-only tuple update); on a full page every update also inserts into every index.
-- SQLite updates rows in place and has no such setting (../sqlite/V11__room_for_updates_in_place.sql).
ALTER TABLE messages SET (fillfactor = 70);
ALTER TABLE webhook_deliveries SET (fillfactor = 70);

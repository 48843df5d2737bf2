-- Events without the unique index on their id (postgresql). Keep in step with
-- ../sqlite/V16__events_without_a_unique_index_on_id.sql.
-- Nothing to do here: PostgreSQL dropped the constraint in V14 (ALTER TABLE ... DROP CONSTRAINT needs no copy of the
-- table). This version exists so that both dialects count their migrations alike.
SELECT 1;

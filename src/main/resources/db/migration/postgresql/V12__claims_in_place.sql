-- Job claims update in place (postgresql): a claim now only sets the lease (lease_owner, lease_until, attempts),
-- none of them indexed, and keeps run_at, so with room on the page the new row version stays there and no index
-- gets new entries (a heap-only tuple update), where moving run_at wrote a new entry into every index of the
-- table. Jobs are written, claimed and removed within moments, so their pages need that room.
-- SQLite updates rows in place and keeps moving run_at (../sqlite/V12__claims_in_place.sql).
ALTER TABLE jobs SET (fillfactor = 50);
ALTER TABLE delivery_jobs SET (fillfactor = 50);

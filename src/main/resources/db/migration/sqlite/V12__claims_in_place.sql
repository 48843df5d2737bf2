-- Nothing to do on SQLite: it updates rows in place, and its claims keep moving run_at to the end of the lease so
-- that a claim never scans jobs being worked on. See ../postgresql/V12__claims_in_place.sql.
SELECT 1;

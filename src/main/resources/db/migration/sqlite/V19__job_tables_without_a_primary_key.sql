-- Nothing to do on SQLite: a job's seq is its rowid (INTEGER PRIMARY KEY), which costs no index of its own, and claims
-- and completions find jobs by it. Kept in step with ../postgresql/V19__job_tables_without_a_primary_key.sql so that
-- both stores count the same migrations.
SELECT 1;

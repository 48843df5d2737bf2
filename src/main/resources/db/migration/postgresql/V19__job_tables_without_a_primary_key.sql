-- Job tables without a primary key (postgresql). Keep in step with ../sqlite/V19__job_tables_without_a_primary_key.sql.
-- Since this version a claim returns where it left each row (its ctid) and the job is completed or rescheduled there
-- (a TID scan, guarded by its seq: see JobQueue.complete); claims find jobs through the due and lane indexes. Nothing
-- looks a job up by seq any more, and every job wrote an entry into the key's index and left a dead one behind for
-- the queue's vacuums to remove: one of the four index entries of a job. seq keeps its sequence (lanes order by it).
ALTER TABLE jobs DROP CONSTRAINT jobs_pkey;
ALTER TABLE delivery_jobs DROP CONSTRAINT delivery_jobs_pkey;

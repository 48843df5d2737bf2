-- Jobs outside any lane, by subject (kept in step with ../sqlite/V21__jobs_outside_lanes_by_subject.sql; there is no
-- V20 on PostgreSQL).
-- Cancelling a scheduled message (DELETE /v1/messages/:id) removes its send job by subject, which read the whole jobs
-- table: on SQLite while holding the store's only writer, and a table of scheduled messages can hold a great many
-- jobs. Only jobs outside a lane enter this index: a scheduled send waits there until its time, and the lanes' jobs
-- (every accepted send among them) write no entry. Once a scheduled message has joined its thread's lane it is found
-- through jobs_lane_idx, which reads only that lane. See JobQueue.cancel.
CREATE INDEX jobs_unlaned_subject_idx ON jobs (subject) WHERE lane IS NULL;

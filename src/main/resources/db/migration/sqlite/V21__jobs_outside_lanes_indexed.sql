-- Jobs outside any lane, indexed (kept in step with ../postgresql/V21__jobs_outside_lanes_indexed.sql). Only jobs
-- outside a lane enter these indexes: a scheduled send waits there until its time, and the lanes' jobs (every
-- accepted send among them) write no entry.
--
-- By subject: cancelling a scheduled message (DELETE /v1/messages/:id) removes its send job by subject, which read the
-- whole jobs table, on SQLite while holding the store's only writer, and a table of scheduled messages can hold a
-- great many jobs. Once a scheduled message has joined its thread's lane it is found through jobs_lane_idx, which
-- reads only that lane. See JobQueue.cancel.
CREATE INDEX jobs_unlaned_subject_idx ON jobs (subject) WHERE lane IS NULL;
-- Scheduled sends by thread (their payload): a scheduled message whose time has come waits to join its thread's lane
-- while one of the thread scheduled before it has not joined yet. See ScheduledTurns.
CREATE INDEX jobs_scheduled_by_thread_idx ON jobs (payload) WHERE lane IS NULL AND kind = 'send_message';

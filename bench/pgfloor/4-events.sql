-- each message's four events (queued, sent, delivered, read), fifteen to a row, their cursors taken as one block under
-- the lock that orders them (as EventLog takes them)
SELECT pg_advisory_xact_lock(7886761044762588275); -- EventLog's key ("msgbevts")
WITH last AS (SELECT setval('cursors', nextval('cursors') + 59) AS c)
INSERT INTO e (cursor, span, id, account_id, mode, type, conversation_id, payload, created_at)
  SELECT last.c - 45 + 15 * k, 15, 'evt_' || substr(md5(last.c::text || k), 1, 20), '01a24c41-90e1-74d8-a9bb-e30c10d8a82e',
         'test', 'message.queued', NULL,
         (SELECT string_agg(p, chr(30) ORDER BY i) FROM snaps WHERE i BETWEEN 15 * k AND 15 * k + 14),
         (extract(epoch FROM clock_timestamp()) * 1000)::bigint
  FROM last, generate_series(0, 3) k;

-- each message's send job: inserted (its lane the thread), claimed through the due index as JobQueue claims, deleted
INSERT INTO j (kind, subject, lane, payload, run_at)
  SELECT 'send_message', (:x::bigint * 15 + g)::text,
         '00000000-0000-7000-8000-' || lpad(((:x::bigint * 15 + g) % 1000)::text, 12, '0'), 'acceptance',
         (extract(epoch FROM clock_timestamp()) * 1000)::bigint
  FROM generate_series(1, 15) g;
WITH picked AS (SELECT ctid FROM j WHERE run_at <= (extract(epoch FROM clock_timestamp()) * 1000)::bigint
                AND lease_until IS NULL ORDER BY run_at, seq LIMIT 15 FOR UPDATE SKIP LOCKED)
UPDATE j SET lease_until = 1, attempts = attempts + 1 WHERE ctid IN (SELECT ctid FROM picked);
DELETE FROM j WHERE ctid IN (SELECT ctid FROM j WHERE lease_until = 1 ORDER BY run_at, seq LIMIT 15);

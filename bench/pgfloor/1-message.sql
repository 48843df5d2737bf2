-- the message rows, one multi-row insert (as LastWrites writes them), 1,000 threads
INSERT INTO m (id, account_id, mode, conversation_id, direction, status, from_handle, to_handle, body, timeline,
               created_at, updated_at)
  SELECT :x::bigint * 15 + g, '01a24c41-90e1-74d8-a9bb-e30c10d8a82e', 'test',
         ('00000000-0000-7000-8000-' || lpad(((:x::bigint * 15 + g) % 1000)::text, 12, '0'))::uuid, 'outbound', 'queued',
         '+18005550100', '+1415556' || (5000 + (:x::bigint * 15 + g) % 1000), 'benchmark message ' || (:x::bigint * 15 + g),
         '[{"status":"queued","at":"2026-12-06T16:48:30.106Z"}]', (extract(epoch FROM clock_timestamp()) * 1000)::bigint,
         (extract(epoch FROM clock_timestamp()) * 1000)::bigint
  FROM generate_series(1, 15) g;

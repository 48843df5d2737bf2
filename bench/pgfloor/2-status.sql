-- each message's one status update (sent, delivered and read at time scale 0), made on the previous transaction's
UPDATE m SET status = 'read', channel = 'imessage', sent_at = updated_at, delivered_at = updated_at, read_at = updated_at,
  timeline = '[{"status":"queued","at":"2026-12-06T16:48:30.106Z"},{"status":"sent","at":"2026-12-06T16:48:30.107Z"},'
             '{"status":"delivered","at":"2026-12-06T16:48:30.107Z"},{"status":"read","at":"2026-12-06T16:48:30.107Z"}]',
  updated_at = updated_at + 1
  WHERE id BETWEEN :prev::bigint * 15 + 1 AND :prev::bigint * 15 + 15;

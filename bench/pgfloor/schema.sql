-- The tables a send writes on PostgreSQL, as the migrations make them (columns, indexes, fill factors, lz4 for the
-- events' payloads), except that a message's key is a bigint instead of a UUID: cheaper, so the figures are a floor.
CREATE SEQUENCE blocks; -- one value per transaction: its 15 messages are ids 15 * value + 1 .. 15
CREATE SEQUENCE cursors;
CREATE TABLE m (id bigint PRIMARY KEY, account_id uuid NOT NULL, mode text NOT NULL, conversation_id uuid NOT NULL,
  direction text NOT NULL, status text NOT NULL, channel text, from_handle text NOT NULL, to_handle text, body text,
  metadata text, timeline text NOT NULL, sent_at bigint, delivered_at bigint, read_at bigint,
  retry_count int NOT NULL DEFAULT 0, created_at bigint NOT NULL, updated_at bigint NOT NULL) WITH (fillfactor = 30);
CREATE INDEX ON m (account_id, mode, created_at, id);
CREATE INDEX ON m (conversation_id, created_at, id);
CREATE TABLE j (seq bigserial, kind text NOT NULL, subject text NOT NULL, lane text, payload text,
  attempts int NOT NULL DEFAULT 0, run_at bigint NOT NULL, lease_until bigint) WITH (fillfactor = 50);
CREATE INDEX ON j (run_at, seq);
CREATE INDEX ON j (lane, seq) WHERE lane IS NOT NULL;
CREATE TABLE e (cursor bigint NOT NULL PRIMARY KEY, span int NOT NULL, id text NOT NULL, account_id uuid NOT NULL,
  mode text NOT NULL, type text NOT NULL, conversation_id uuid, payload text NOT NULL, created_at bigint NOT NULL);
DO $$ BEGIN
  ALTER TABLE e ALTER COLUMN payload SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN NULL; -- a server built without lz4
END $$;
CREATE INDEX ON e (account_id, mode, cursor);
-- sixty event snapshots shaped like the message object (about 560 characters each, ids and times differing), packed
-- fifteen to a row as EventLog packs them: id U+001F conversation U+001F millis U+001F payload, U+001E between
CREATE TABLE snaps (i int PRIMARY KEY, p text NOT NULL);
INSERT INTO snaps SELECT g, 'evt_' || substr(md5('e' || g), 1, 20) || chr(31) || chr(31) || (1765039710106 + g) || chr(31)
  || format('{"id":"01a24c41-cb9b-75d9-ad3d-%s","conversation_id":"01a24c41-c300-7660-b281-%s","direction":"outbound",'
    '"status":"%s","channel":%s,"text":"benchmark message %s","effect":null,"reply_to":null,"error":null,'
    '"metadata":null,"attachments":[],"sent_at":null,"delivered_at":null,"read_at":null,'
    '"created_at":"2026-12-06T16:48:30.%s","from_handle":"+18005550100","to":"+1415556%s","scheduled_at":null,'
    '"edited_at":null,"updated_at":"2026-12-06T16:48:30.%s","retry_count":0}',
    substr(md5('m' || g), 1, 12), substr(md5('c' || g), 1, 12), (ARRAY['queued', 'sent', 'delivered', 'read'])[g % 4 + 1],
    CASE WHEN g % 4 = 0 THEN 'null' ELSE '"imessage"' END, g, 100 + g, 5000 + g, 100 + g)
FROM generate_series(0, 59) g;

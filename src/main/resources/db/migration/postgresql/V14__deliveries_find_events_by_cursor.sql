-- A delivery finds its event by cursor (postgresql). Keep in step with ../sqlite/V14__deliveries_find_events_by_cursor.sql.
-- The unique index on events.id served one query only, a delivery loading its event, and every event paid an entry in
-- it (four per sent message on the default sandbox recipients). The cursor, the events' primary key, does the same;
-- deliveries written before this migration get theirs from the index before it goes. Test pings have no stored
-- event and keep NULL. Event ids stay unique by construction (the time and 89 random bits, see Ids.eventId).
ALTER TABLE webhook_deliveries ADD COLUMN event_cursor BIGINT;
UPDATE webhook_deliveries d SET event_cursor = e.cursor FROM events e WHERE e.id = d.event_id;
ALTER TABLE events DROP CONSTRAINT events_id_key;

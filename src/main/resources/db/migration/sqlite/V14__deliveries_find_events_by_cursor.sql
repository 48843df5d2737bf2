-- A delivery finds its event by cursor (sqlite). Keep in step with ../postgresql/V14__deliveries_find_events_by_cursor.sql.
-- Deliveries written before this migration get their event's cursor from the event id; test pings have no stored
-- event and keep NULL. SQLite keeps the unique index on events.id, which belongs to the table's definition (dropping
-- it means copying the table), and costs little here: time-ordered ids append to its last page.
ALTER TABLE webhook_deliveries ADD COLUMN event_cursor INTEGER;
UPDATE webhook_deliveries SET event_cursor = (SELECT cursor FROM events WHERE events.id = webhook_deliveries.event_id);

-- Kept in step with ../postgresql/V11__room_for_updates_in_place.sql, which leaves room on the pages of messages and
-- webhook_deliveries for updates in place. SQLite always updates a row where it is (rewriting its page), so there is
-- nothing to change here; the version exists so that both stores count the same migrations.
SELECT 1;

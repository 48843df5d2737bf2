-- Nothing to do on SQLite, which updates rows in place; kept in step with
-- ../postgresql/V13__more_room_for_message_updates.sql so that both stores count the same migrations.
SELECT 1;

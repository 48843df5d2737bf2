package dev.msgbubbles.support;

import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.Sql;
import dev.msgbubbles.event.Event;
import dev.msgbubbles.event.EventLog;
import java.util.List;

/**
 * Every event in a store, of every account and mode, oldest cursor first: what tests count and compare. A row of the
 * events table may hold several events ({@link EventLog.Stored}), so tests read events through this, never rows.
 */
public final class StoredEvents {
    private StoredEvents() {
    }

    public static List<Event> all(Database db) {
        return db.read(h -> Sql.list(h, "SELECT " + EventLog.Stored.COLUMNS + " FROM events ORDER BY cursor",
                row -> EventLog.Stored.read(row, "")))
                .stream().flatMap(row -> row.events().stream()).toList();
    }

    /** How many stored events are of {@code type} (its wire name, e.g. {@code message.sent}). */
    public static long count(Database db, String type) {
        return all(db).stream().filter(e -> e.type().wire().equals(type)).count();
    }
}

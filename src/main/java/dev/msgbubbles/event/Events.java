package dev.msgbubbles.event;

import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** Catch-up reads of the event log for one account and mode: pages after a cursor, optionally of some types. */
public final class Events {
    private final Database db;
    private final EventLog log = new EventLog();

    public Events(Database db) {
        this.db = db;
    }

    /** Up to {@code limit} events after {@code after}, and whether more follow. */
    public record Page(List<Event> events, boolean hasMore, long nextAfter) {
    }

    public Page after(UUID accountId, Mode mode, long after, Set<EventType> types, int limit) {
        List<Event> rows = db.read(h -> log.after(h, accountId, mode, after, types, limit + 1));
        boolean more = rows.size() > limit;
        List<Event> page = more ? rows.subList(0, limit) : rows;
        return new Page(List.copyOf(page), more, page.isEmpty() ? after : page.getLast().cursor());
    }
}

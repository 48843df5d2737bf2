package dev.msgbubbles.event;

import dev.msgbubbles.common.Mode;
import dev.msgbubbles.common.Ids;
import dev.msgbubbles.common.WireJson;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.Dialect;
import dev.msgbubbles.db.Sql;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** Appends events in the caller's transaction and reads them back by cursor. */
public final class EventLog {

    /**
     * An event ready to be written: id chosen and payload serialised (a snapshot) before the transaction, so the
     * writer only executes SQL.
     */
    public record Pending(String id, UUID accountId, Mode mode, EventType type, UUID conversationId, String payload,
                          Instant createdAt) {
    }

    /** Serialises {@code data} now and picks the event id. */
    public static Pending pending(UUID accountId, Mode mode, EventType type, UUID conversationId, Object data, Instant now) {
        return new Pending(Ids.eventId(now.toEpochMilli()), accountId, mode, type, conversationId, WireJson.write(data), now);
    }

    /** Appends {@code type} with {@code data} (serialised now, as a snapshot). Returns the event id. */
    public String append(Handle tx, UUID accountId, Mode mode, EventType type, UUID conversationId, Object data, Instant now) {
        Pending event = pending(accountId, mode, type, conversationId, data, now);
        append(tx, List.of(event));
        return event.id();
    }

    /**
     * Appends prepared events in the caller's transaction, in list order. They are written together, with those of
     * every other unit of the same transaction, as its last step (see {@link Batch}).
     */
    public void append(Handle tx, List<Pending> events) {
        if (!events.isEmpty()) {
            Database.lastStep(tx, "events", Batch::new).events.addAll(events);
        }
    }

    /**
     * A transaction's events, inserted in one statement as its last step. On PostgreSQL that step first takes a
     * lock held until the commit: cursors come from a sequence when rows are inserted, and concurrent transactions
     * could otherwise commit out of cursor order, so that a reader sees cursor 105 before 103 commits and a
     * consumer resuming after 105 misses 103 for good. Under the lock, cursors become visible in increasing order
     * only, and the lock is held just for the insert and the commit. SQLite has one writer: nothing to order.
     */
    static final class Batch implements Database.CommitStep {
        private static final long LOCK = 0x6d73_6762_6576_7473L; // "msgbevts"
        final List<Pending> events = new java.util.ArrayList<>();

        @Override
        public void run(Handle tx) {
            if (Sql.dialect(tx) == Dialect.POSTGRESQL) {
                Sql.list(tx, "SELECT pg_advisory_xact_lock(?)", row -> Boolean.TRUE, LOCK);
            }
            // chunks of 256, 128, ... 1 rows: few distinct statements to prepare, however many events there are
            for (int from = 0, size; from < events.size(); from += size) {
                size = Integer.highestOneBit(Math.min(events.size() - from, 256));
                List<Pending> chunk = events.subList(from, from + size);
                Object[] values = new Object[chunk.size() * 7];
                int i = 0;
                for (Pending e : chunk) {
                    values[i++] = e.id();
                    values[i++] = e.accountId();
                    values[i++] = e.mode().wire();
                    values[i++] = e.type().wire();
                    values[i++] = e.conversationId();
                    values[i++] = e.payload();
                    values[i++] = e.createdAt();
                }
                Sql.update(tx, "INSERT INTO events (id, account_id, mode, type, conversation_id, payload, created_at) "
                        + "VALUES " + Sql.repeat("(?, ?, ?, ?, ?, ?, ?)", chunk.size()), values);
            }
        }
    }

    /**
     * Events of one account and mode after cursor {@code after}, oldest first, optionally only of {@code types}
     * (null or empty: every type). Cursors become visible in increasing order only (see {@link Batch}), so a
     * consumer that resumes from the last cursor it saw never misses an event.
     */
    public List<Event> after(Handle h, UUID accountId, Mode mode, long after, java.util.Set<EventType> types, int limit) {
        StringBuilder sql = new StringBuilder("SELECT cursor, id, account_id, mode, type, conversation_id, payload, "
                + "created_at FROM events WHERE account_id = ? AND mode = ? AND cursor > ?");
        List<Object> values = new java.util.ArrayList<>(List.of(accountId, mode.wire(), after));
        if (types != null && !types.isEmpty()) {
            sql.append(" AND type IN (").append(Sql.repeat("?", types.size())).append(")");
            types.stream().map(EventType::wire).sorted().forEach(values::add);
        }
        sql.append(" ORDER BY cursor LIMIT ?");
        values.add(limit);
        return Sql.list(h, sql.toString(), row -> new Event(row.longValue("cursor"), row.string("id"),
                row.uuid("account_id"), Mode.fromWire(row.string("mode")).orElseThrow(),
                EventType.fromWire(row.string("type")).orElseThrow(), row.uuid("conversation_id"), row.string("payload"),
                row.instant("created_at")), values.toArray());
    }

    /** Every type; see {@link #after(Handle, UUID, Mode, long, java.util.Set, int)}. */
    public List<Event> after(Handle h, UUID accountId, Mode mode, long after, int limit) {
        return after(h, accountId, mode, after, null, limit);
    }
}

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
     * Work that events cause, written in the transaction that writes them, right after them: webhook deliveries. On
     * PostgreSQL it runs under the lock that orders cursors (see {@link Batch}), so it should be a few inserts.
     */
    public interface Fanout {
        /** Nothing follows from events (a log that is only read). */
        Fanout NONE = new Fanout() {
            @Override
            public boolean owes(Handle tx, List<Pending> events) {
                return false;
            }

            @Override
            public void fanOut(Handle tx, List<Appended> events) {
            }
        };

        /**
         * Whether any of {@code events} causes work. When none does, {@link #fanOut} is not called and the events
         * are inserted without returning their cursors, which costs every send measurably when no endpoint listens.
         */
        boolean owes(Handle tx, List<Pending> events);

        /** {@code events} in the order they were appended, each with the cursor it was given. */
        void fanOut(Handle tx, List<Appended> events);
    }

    /** An event as written: what was appended and the cursor the store gave it. */
    public record Appended(Pending event, long cursor) {
    }

    private final Fanout fanout;

    public EventLog(Fanout fanout) {
        this.fanout = fanout;
    }

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
            Database.lastStep(tx, "events", () -> new Batch(fanout)).events.addAll(events);
        }
    }

    /**
     * A transaction's events, inserted in one statement as its last step. On PostgreSQL that step first takes a
     * lock held until the commit: cursors come from a sequence when rows are inserted, and concurrent transactions
     * could otherwise commit out of cursor order, so that a reader sees cursor 105 before 103 commits and a
     * consumer resuming after 105 misses 103 for good. Under the lock, cursors become visible in increasing order
     * only, and the lock is held just for the insert and the commit. SQLite has one writer: nothing to order.
     * The {@link Fanout} writes what the events cause right after them, in the same transaction and under the lock.
     */
    static final class Batch implements Database.CommitStep {
        private static final long LOCK = 0x6d73_6762_6576_7473L; // "msgbevts"
        final List<Pending> events = new java.util.ArrayList<>();
        private final Fanout fanout;

        Batch(Fanout fanout) {
            this.fanout = fanout;
        }

        /** After the transaction's other last steps: the lock it takes on PostgreSQL is held until the commit. */
        @Override
        public int order() {
            return 2;
        }

        @Override
        public void run(Handle tx) {
            if (Sql.dialect(tx) == Dialect.POSTGRESQL) {
                Sql.list(tx, "SELECT pg_advisory_xact_lock(?)", row -> Boolean.TRUE, LOCK);
            }
            List<Object[]> rows = new java.util.ArrayList<>(events.size());
            for (Pending e : events) {
                rows.add(new Object[] {e.id(), e.accountId(), e.mode().wire(), e.type().wire(), e.conversationId(),
                        e.payload(), e.createdAt()});
            }
            String insert = "INSERT INTO events (id, account_id, mode, type, conversation_id, payload, created_at) VALUES";
            if (!fanout.owes(tx, events)) {
                Sql.insertAll(tx, insert, 7, rows);
                return;
            }
            // the cursors come back with the insert (RETURNING, in no promised order: matched by id), so that what
            // the events cause can point at them by cursor, the events' primary key
            java.util.Map<String, Long> cursors = new java.util.HashMap<>(events.size() * 2);
            for (java.util.Map.Entry<String, Long> written : Sql.insertAllReturning(tx, insert, 7, rows, "id, cursor",
                    row -> java.util.Map.entry(row.string("id"), row.longValue("cursor")))) {
                cursors.put(written.getKey(), written.getValue());
            }
            List<Appended> appended = new java.util.ArrayList<>(events.size());
            for (Pending e : events) {
                Long cursor = cursors.get(e.id());
                if (cursor == null) {
                    throw new IllegalStateException("no cursor came back for event " + e.id());
                }
                appended.add(new Appended(e, cursor));
            }
            fanout.fanOut(tx, appended);
        }
    }

    /**
     * Events of one account and mode after cursor {@code after}, oldest first, optionally only of {@code types}
     * (null or empty: every type). Cursors become visible in increasing order only (see {@link Batch}), so a
     * consumer that resumes from the last cursor it saw never misses an event.
     */
    public List<Event> after(Handle h, UUID accountId, Mode mode, long after, java.util.Set<EventType> types, int limit) {
        return between(h, accountId, mode, after, Long.MAX_VALUE, Instant.EPOCH, types, limit);
    }

    /**
     * Events of one account and mode with cursors in ({@code after}, {@code until}] created at or after
     * {@code since}, oldest first, optionally only of {@code types}: a stretch of history to send again.
     */
    public List<Event> between(Handle h, UUID accountId, Mode mode, long after, long until, Instant since,
                               java.util.Set<EventType> types, int limit) {
        StringBuilder sql = new StringBuilder("SELECT cursor, id, account_id, mode, type, conversation_id, payload, "
                + "created_at FROM events WHERE account_id = ? AND mode = ? AND cursor > ? AND cursor <= ? "
                + "AND created_at >= ?");
        List<Object> values = new java.util.ArrayList<>(List.of(accountId, mode.wire(), after, until, since));
        if (types != null && !types.isEmpty()) {
            sql.append(" AND type IN (").append(Sql.repeat("?", types.size())).append(")");
            types.stream().map(EventType::wire).sorted().forEach(values::add);
        }
        sql.append(" ORDER BY cursor LIMIT ?");
        values.add(limit);
        return Sql.list(h, sql.toString(), EventLog::event, values.toArray());
    }

    /** The newest cursor of an account and mode, 0 when it has no events. */
    public long lastCursor(Handle h, UUID accountId, Mode mode) {
        return Sql.one(h, "SELECT MAX(cursor) AS last FROM events WHERE account_id = ? AND mode = ?",
                row -> row.longValue("last"), accountId, mode.wire()).orElse(0L);
    }

    /** An event's cursor and creation time: what the purge needs of the oldest events. */
    public record Age(long cursor, Instant createdAt) {
    }

    /** The {@code limit} events with the lowest cursors, of every account and mode, oldest cursor first. */
    public List<Age> oldest(Handle h, int limit) {
        return Sql.list(h, "SELECT cursor, created_at FROM events ORDER BY cursor LIMIT ?",
                row -> new Age(row.longValue("cursor"), row.instant("created_at")), limit);
    }

    /** Removes the events with cursors up to {@code through} created before {@code cutoff}; returns how many. */
    public int removeThrough(Handle tx, long through, Instant cutoff) {
        return Sql.update(tx, "DELETE FROM events WHERE cursor <= ? AND created_at < ?", through, cutoff);
    }

    private static Event event(Sql.Row row) throws java.sql.SQLException {
        return new Event(row.longValue("cursor"), row.string("id"), row.uuid("account_id"),
                Mode.fromWire(row.string("mode")).orElseThrow(), EventType.fromWire(row.string("type")).orElseThrow(),
                row.uuid("conversation_id"), row.string("payload"), row.instant("created_at"));
    }

    /** Every type; see {@link #after(Handle, UUID, Mode, long, java.util.Set, int)}. */
    public List<Event> after(Handle h, UUID accountId, Mode mode, long after, int limit) {
        return after(h, accountId, mode, after, null, limit);
    }
}

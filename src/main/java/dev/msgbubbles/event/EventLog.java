package dev.msgbubbles.event;

import dev.msgbubbles.common.Mode;
import dev.msgbubbles.common.Ids;
import dev.msgbubbles.common.WireJson;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.Dialect;
import dev.msgbubbles.db.Sql;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
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

        /** Whether any of {@code events} causes work. When none does, {@link #fanOut} is not called. */
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
     * A transaction's events, inserted as its last step, packed: consecutive events of one account and mode share a
     * row (at most {@link Stored#MAX_SPAN} events and about {@link #MAX_PACKED_CHARS} characters of payload), because
     * under the send load the cost of an event was its row and index entry far more than its bytes (one row per event
     * against one per sixteen: 15-16 % more sends per second on both stores, alternating runs of
     * {@code bench profile}). Each event keeps its own cursor: a row holds the consecutive cursors
     * {@code cursor - span + 1 .. cursor} (see {@link Stored}), so readers, deliveries and consumers see one event per
     * cursor as before. The cursors are taken before the insert (SQLite: after the AUTOINCREMENT high-water mark, the
     * writer being the only one; PostgreSQL: from the sequence, under the lock below).
     * <p>
     * On PostgreSQL this step first takes a lock held until the commit: cursors come from a sequence, and concurrent
     * transactions could otherwise commit out of cursor order, so that a reader sees cursor 105 before 103 commits and a
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
            long[] cursors = nextCursors(tx, events.size());
            List<Object[]> rows = new java.util.ArrayList<>();
            int from = 0;
            while (from < events.size()) {
                int to = packedUpTo(from, cursors);
                rows.add(row(from, to, cursors));
                from = to;
            }
            Sql.insertAll(tx, "INSERT INTO events (" + Stored.COLUMNS + ") VALUES", 9, rows);
            if (fanout.owes(tx, events)) {
                List<Appended> appended = new java.util.ArrayList<>(events.size());
                for (int i = 0; i < events.size(); i++) {
                    appended.add(new Appended(events.get(i), cursors[i]));
                }
                fanout.fanOut(tx, appended);
            }
        }

        /** {@code count} new cursors in increasing order; see {@link Batch} for why they are taken in this step. */
        private static long[] nextCursors(Handle tx, int count) {
            long[] cursors = new long[count];
            if (Sql.dialect(tx) == Dialect.POSTGRESQL) {
                Sql.list(tx, "SELECT pg_advisory_xact_lock(?)", row -> Boolean.TRUE, LOCK);
                // the whole block at once: the next value, then the sequence moved on to the block's last. Nothing
                // else takes values between the two calls, since every transaction that takes cursors holds the lock
                // above. Against one call per event (nextval over a series) the block cut PostgreSQL's CPU per send by
                // 11-13 % in bench pgfloor with its events step changed by hand (twenty-third session).
                long last = Sql.one(tx, "SELECT setval('events_cursor_seq', nextval('events_cursor_seq') + ? - 1) AS c",
                        row -> row.longValue("c"), count).orElseThrow();
                for (int i = 0; i < count; i++) {
                    cursors[i] = last - count + 1 + i;
                }
            } else {
                // AUTOINCREMENT's high-water mark (no row before the first event): never a cursor used before, even
                // one whose event was purged; inserting larger explicit cursors moves the mark past them
                long last = Sql.one(tx, "SELECT seq FROM sqlite_sequence WHERE name = 'events'",
                        row -> row.longValue("seq")).orElse(0L);
                for (int i = 0; i < count; i++) {
                    cursors[i] = last + 1 + i;
                }
            }
            return cursors;
        }

        /** The end (exclusive) of the row that starts with event {@code from}. */
        private int packedUpTo(int from, long[] cursors) {
            Pending first = events.get(from);
            int to = from + 1;
            int chars = first.payload().length();
            if (!Stored.packable(first)) {
                return to;
            }
            while (to < events.size() && to - from < Stored.MAX_SPAN) {
                Pending next = events.get(to);
                chars += next.payload().length();
                if (!next.accountId().equals(first.accountId()) || next.mode() != first.mode()
                        || cursors[to] != cursors[to - 1] + 1 || chars > MAX_PACKED_CHARS || !Stored.packable(next)) {
                    break;
                }
                to++;
            }
            return to;
        }

        private Object[] row(int from, int to, long[] cursors) {
            Pending first = events.get(from);
            if (to - from == 1) {
                return new Object[] {cursors[from], 1, first.id(), first.accountId(), first.mode().wire(),
                        first.type().wire(), first.conversationId(), first.payload(), first.createdAt()};
            }
            StringBuilder types = new StringBuilder();
            StringBuilder packed = new StringBuilder();
            UUID conversation = first.conversationId();
            Instant newest = first.createdAt();
            for (int i = from; i < to; i++) {
                Pending e = events.get(i);
                if (i > from) {
                    types.append(Stored.EVENT);
                    packed.append(Stored.EVENT);
                }
                types.append(e.type().wire());
                packed.append(e.id()).append(Stored.FIELD)
                        .append(e.conversationId() == null ? "" : e.conversationId().toString()).append(Stored.FIELD)
                        .append(e.createdAt().toEpochMilli()).append(Stored.FIELD).append(e.payload());
                if (!java.util.Objects.equals(conversation, e.conversationId())) {
                    conversation = null;
                }
                if (e.createdAt().isAfter(newest)) {
                    newest = e.createdAt();
                }
            }
            return new Object[] {cursors[to - 1], to - from, first.id(), first.accountId(), first.mode().wire(),
                    types.toString(), conversation, packed.toString(), newest};
        }
    }

    /** About how many characters of payload one row holds at most (a single larger event has a row of its own). */
    static final int MAX_PACKED_CHARS = 16_000;

    /**
     * One row of the events table: the events with cursors {@code cursor - span + 1 .. cursor}, all of one account and
     * mode. A row of one event ({@code span} 1) holds it plainly, as rows did before packing. A row of several holds
     * the first one's id, their types separated by U+001E, their shared conversation (or none), the newest creation
     * time (so that a purge removes a row only once every event in it is old enough), and as {@code payload} each
     * event as {@code id U+001F conversation U+001F created-at-millis U+001F payload}, separated by U+001E. Neither
     * separator can occur in the JSON of a payload (JSON escapes control characters), and an event whose payload
     * holds one anyway gets a row of its own.
     */
    public record Stored(long cursor, int span, String id, UUID accountId, Mode mode, String type, UUID conversationId,
                         String payload, Instant createdAt) {
        /** At most this many events share a row; readers rely on it to bound their scans. */
        public static final int MAX_SPAN = 16;
        /** The columns of a row in the order {@link #read} and the insert use them. */
        public static final String COLUMNS = "cursor, span, id, account_id, mode, type, conversation_id, payload, created_at";
        static final char EVENT = '\u001e';
        static final char FIELD = '\u001f';

        static boolean packable(Pending e) {
            return e.payload().indexOf(EVENT) < 0 && e.payload().indexOf(FIELD) < 0;
        }

        /** The row's events, oldest cursor first. */
        public List<Event> events() {
            if (span == 1) {
                return List.of(single());
            }
            List<Event> events = new java.util.ArrayList<>(span);
            int at = 0;
            int typeAt = 0;
            for (int i = 0; i < span; i++) {
                int end = end(payload, at, i);
                int typeEnd = end(type, typeAt, i);
                events.add(packed(i, at, end, typeAt, typeEnd));
                at = end + 1;
                typeAt = typeEnd + 1;
            }
            return events;
        }

        /** The event with {@code cursor} and {@code id} if this row holds it (decoding only that one). */
        public Optional<Event> event(long wanted, String wantedId) {
            if (wanted > cursor || wanted <= cursor - span) {
                return Optional.empty();
            }
            Event found;
            if (span == 1) {
                found = single();
            } else {
                int index = (int) (wanted - (cursor - span + 1));
                int at = skip(payload, index);
                int typeAt = skip(type, index);
                found = packed(index, at, end(payload, at, index), typeAt, end(type, typeAt, index));
            }
            return found.id().equals(wantedId) ? Optional.of(found) : Optional.empty();
        }

        private Event single() {
            return new Event(cursor, id, accountId, mode, EventType.fromWire(type).orElseThrow(), conversationId,
                    payload, createdAt);
        }

        /** The {@code index}-th event, its packed fields in {@code payload[at, end)} and its type in {@code type}. */
        private Event packed(int index, int at, int end, int typeAt, int typeEnd) {
            int idEnd = payload.indexOf(FIELD, at);
            int conversationEnd = idEnd < 0 ? -1 : payload.indexOf(FIELD, idEnd + 1);
            int timeEnd = conversationEnd < 0 ? -1 : payload.indexOf(FIELD, conversationEnd + 1);
            if (timeEnd < 0 || timeEnd > end) {
                throw malformed();
            }
            String conversation = payload.substring(idEnd + 1, conversationEnd);
            return new Event(cursor - span + 1 + index, payload.substring(at, idEnd), accountId, mode,
                    EventType.fromWire(type.substring(typeAt, typeEnd)).orElseThrow(),
                    conversation.isEmpty() ? null : UUID.fromString(conversation), payload.substring(timeEnd + 1, end),
                    Instant.ofEpochMilli(Long.parseLong(payload, conversationEnd + 1, timeEnd, 10)));
        }

        /** Where the {@code index}-th of the separated parts of {@code text} starts. */
        private int skip(String text, int index) {
            int at = 0;
            for (int i = 0; i < index; i++) {
                at = text.indexOf(EVENT, at);
                if (at < 0) {
                    throw malformed();
                }
                at++;
            }
            return at;
        }

        /** Where the {@code index}-th part of {@code text}, starting at {@code from}, ends. */
        private int end(String text, int from, int index) {
            if (index == span - 1) {
                return text.length();
            }
            int end = text.indexOf(EVENT, from);
            if (end < 0) {
                throw malformed();
            }
            return end;
        }

        private IllegalStateException malformed() {
            return new IllegalStateException("malformed packed events at cursor " + cursor);
        }

        /** The row's columns, read from {@code row} under {@code prefix} (e.g. {@code "e_"} for a joined row). */
        public static Stored read(Sql.Row row, String prefix) throws java.sql.SQLException {
            return new Stored(row.longValue(prefix + "cursor"), row.intValue(prefix + "span"), row.string(prefix + "id"),
                    row.uuid(prefix + "account_id"), Mode.fromWire(row.string(prefix + "mode")).orElseThrow(),
                    row.string(prefix + "type"), row.uuid(prefix + "conversation_id"), row.string(prefix + "payload"),
                    row.instant(prefix + "created_at"));
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
        // a row is read if any of its cursors is in range: its last above after, its first (cursor - span + 1) at most
        // until, so its last below until + MAX_SPAN, which bounds the scan; rows of one event are filtered by type in
        // SQL, packed ones here
        long ceiling = until > Long.MAX_VALUE - Stored.MAX_SPAN ? Long.MAX_VALUE : until + Stored.MAX_SPAN;
        boolean anyType = types == null || types.isEmpty();
        StringBuilder sql = new StringBuilder("SELECT " + Stored.COLUMNS + " FROM events WHERE account_id = ? AND mode = ? "
                + "AND cursor > ? AND cursor - span < ? AND cursor < ? AND created_at >= ?");
        List<String> typeValues = anyType ? List.of() : types.stream().map(EventType::wire).sorted().toList();
        if (!anyType) {
            sql.append(" AND (span > 1 OR type IN (").append(Sql.repeat("?", types.size())).append("))");
        }
        sql.append(" ORDER BY cursor LIMIT ?");
        List<Event> found = new java.util.ArrayList<>();
        long from = after;
        while (found.size() < limit) {
            List<Object> values = new java.util.ArrayList<>(List.of(accountId, mode.wire(), from, until, ceiling, since));
            values.addAll(typeValues);
            int rowLimit = limit - found.size();
            values.add(rowLimit);
            List<Stored> rows = Sql.list(h, sql.toString(), row -> Stored.read(row, ""), values.toArray());
            for (Stored row : rows) {
                for (Event e : row.events()) {
                    if (found.size() < limit && e.cursor() > after && e.cursor() <= until && !e.createdAt().isBefore(since)
                            && (anyType || types.contains(e.type()))) {
                        found.add(e);
                    }
                }
            }
            if (rows.size() < rowLimit) {
                break;
            }
            from = rows.getLast().cursor();
        }
        return found;
    }

    /**
     * What a bounded read of the log found: the events that matched, oldest first, and {@code through}, the cursor up to
     * which it looked at every event of the account and mode, matching or not ({@code after} when it looked at none).
     * {@code complete} when it stopped only because the log ended; otherwise it stopped at its limit of events or of
     * rows, and the events after {@code through} are still to be read.
     */
    public record Scan(List<Event> events, long through, boolean complete) {
    }

    /**
     * Up to {@code limit} events of one account and mode after cursor {@code after}, oldest first, optionally only of
     * {@code types} (null or empty: every type), looking at no more than {@code maxRows} rows. A reader that filters by
     * type resumes after {@link Scan#through}, not after the last event it got: past the events of other types it has
     * already looked at, which it would otherwise read again on every call (a stream of a rare type, polling, read the
     * whole log from its last match five times a second). Resuming there is safe because cursors become visible in
     * increasing order only (see {@link Batch}): nothing can appear below a cursor that was already visible. Without a
     * type filter every row yields events, so the row limit never binds before {@code limit}.
     */
    public Scan scan(Handle h, UUID accountId, Mode mode, long after, java.util.Set<EventType> types, int limit,
                     int maxRows) {
        boolean anyType = types == null || types.isEmpty();
        List<String> typeValues = anyType ? List.of() : types.stream().map(EventType::wire).sorted().toList();
        // rows of one event of another type come back without their payload: they only move the scan on
        String payload = anyType ? "payload" : "CASE WHEN span > 1 OR type IN (" + Sql.repeat("?", types.size())
                + ") THEN payload END AS payload";
        String sql = "SELECT " + Stored.COLUMNS.replace("payload", payload) + " FROM events WHERE account_id = ? "
                + "AND mode = ? AND cursor > ? ORDER BY cursor LIMIT ?";
        List<Event> found = new java.util.ArrayList<>();
        long through = after;
        int rowsLeft = maxRows;
        while (rowsLeft > 0) {
            int rowLimit = Math.min(rowsLeft, anyType ? limit - found.size() : SCAN_CHUNK);
            List<Object> values = new java.util.ArrayList<>(typeValues);
            values.addAll(List.of(accountId, mode.wire(), through, rowLimit));
            List<Stored> rows = Sql.list(h, sql, row -> Stored.read(row, ""), values.toArray());
            rowsLeft -= rows.size();
            for (Stored row : rows) {
                if (row.payload() != null) {
                    for (Event e : row.events()) {
                        if (e.cursor() > after && (anyType || types.contains(e.type()))) {
                            found.add(e);
                            if (found.size() == limit) {
                                return new Scan(found, e.cursor(), false);
                            }
                        }
                    }
                }
                through = row.cursor();
            }
            if (rows.size() < rowLimit) {
                return new Scan(found, through, true);
            }
        }
        return new Scan(found, through, false);
    }

    /** How many rows a filtered {@link #scan} asks for at a time (rows of other types come without their payload). */
    static final int SCAN_CHUNK = 250;

    /** The newest cursor of an account and mode, 0 when it has no events. */
    public long lastCursor(Handle h, UUID accountId, Mode mode) {
        return Sql.one(h, "SELECT MAX(cursor) AS last FROM events WHERE account_id = ? AND mode = ?",
                row -> row.longValue("last"), accountId, mode.wire()).orElse(0L);
    }

    /**
     * A row's last cursor and creation time (its newest event's, for a packed row): what the purge needs of the oldest
     * rows.
     */
    public record Age(long cursor, Instant createdAt) {
    }

    /** The {@code limit} rows with the lowest cursors, of every account and mode, oldest cursor first. */
    public List<Age> oldest(Handle h, int limit) {
        return Sql.list(h, "SELECT cursor, created_at FROM events ORDER BY cursor LIMIT ?",
                row -> new Age(row.longValue("cursor"), row.instant("created_at")), limit);
    }

    /** A row the purge removed: whose events they were, its last cursor and how many events it held. */
    private record Removed(UUID accountId, String mode, long cursor, int span) {
    }

    /**
     * Removes the rows with last cursors up to {@code through} created before {@code cutoff} (a packed row only once
     * its newest event is); returns how many events they held. In the same transaction it raises each affected account
     * and mode's horizon (table {@code event_horizons}) to the highest cursor removed, which {@link #expiredAfter} reads:
     * the horizon is never behind what was deleted. A row's events are all of its account and mode ({@link Batch} packs
     * only consecutive events of one), so its {@code account_id} and last cursor say it all.
     */
    public int removeThrough(Handle tx, long through, Instant cutoff) {
        List<Removed> removed = Sql.list(tx,
                "DELETE FROM events WHERE cursor <= ? AND created_at < ? RETURNING account_id, mode, cursor, span",
                row -> new Removed(row.uuid("account_id"), row.string("mode"), row.longValue("cursor"),
                        row.intValue("span")), through, cutoff);
        java.util.Map<List<Object>, Long> highest = new java.util.LinkedHashMap<>();
        int events = 0;
        for (Removed r : removed) {
            highest.merge(List.of(r.accountId(), r.mode()), r.cursor(), Math::max);
            events += r.span();
        }
        List<Object[]> horizons = new java.util.ArrayList<>();
        highest.forEach((key, cursor) -> horizons.add(new Object[] {key.get(0), key.get(1), cursor}));
        Sql.updateBatch(tx, """
                INSERT INTO event_horizons (account_id, mode, purged_through) VALUES (?, ?, ?)
                ON CONFLICT (account_id, mode) DO UPDATE SET purged_through = CASE
                    WHEN excluded.purged_through > event_horizons.purged_through THEN excluded.purged_through
                    ELSE event_horizons.purged_through END""", horizons);
        return events;
    }

    /**
     * Whether the purge removed events of the account and mode with cursors above {@code after}: a consumer resuming
     * there would skip them. Never for {@code after} 0 (from the oldest kept event). One lookup by key. Read after the
     * events themselves (in the same read), it covers a purge that ran while they were read: cursors are removed from
     * the oldest up, so whatever a read may have missed is below the horizon it finds afterwards.
     */
    public boolean expiredAfter(Handle h, UUID accountId, Mode mode, long after) {
        return after > 0 && Sql.one(h, "SELECT purged_through FROM event_horizons WHERE account_id = ? AND mode = ?",
                row -> row.longValue("purged_through"), accountId, mode.wire()).orElse(0L) > after;
    }

    /** Every type; see {@link #after(Handle, UUID, Mode, long, java.util.Set, int)}. */
    public List<Event> after(Handle h, UUID accountId, Mode mode, long after, int limit) {
        return after(h, accountId, mode, after, null, limit);
    }
}

package dev.msgbubbles.event;

import dev.msgbubbles.common.Mode;
import dev.msgbubbles.common.Ids;
import dev.msgbubbles.common.WireJson;
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

    /** Appends prepared events with one statement; their cursors follow list order. */
    public void append(Handle tx, List<Pending> events) {
        if (events.isEmpty()) {
            return;
        }
        Object[] values = new Object[events.size() * 7];
        int i = 0;
        for (Pending e : events) {
            values[i++] = e.id();
            values[i++] = e.accountId();
            values[i++] = e.mode().wire();
            values[i++] = e.type().wire();
            values[i++] = e.conversationId();
            values[i++] = e.payload();
            values[i++] = e.createdAt();
        }
        Sql.update(tx, "INSERT INTO events (id, account_id, mode, type, conversation_id, payload, created_at) VALUES "
                + Sql.repeat("(?, ?, ?, ?, ?, ?, ?)", events.size()), values);
    }

    /** Events of one account and mode after {@code cursor}, oldest first. */
    public List<Event> after(Handle h, UUID accountId, Mode mode, long cursor, int limit) {
        return h.createQuery("""
                        SELECT cursor, id, account_id, mode, type, conversation_id, payload, created_at FROM events
                        WHERE account_id = :account AND mode = :mode AND cursor > :cursor
                        ORDER BY cursor LIMIT :limit""")
                .bind("account", accountId).bind("mode", mode.wire()).bind("cursor", cursor).bind("limit", limit)
                .map((rs, ctx) -> {
                    var uuids = ctx.findColumnMapperFor(UUID.class).orElseThrow();
                    return new Event(rs.getLong("cursor"), rs.getString("id"), uuids.map(rs, "account_id", ctx),
                            Mode.fromWire(rs.getString("mode")).orElseThrow(),
                            EventType.fromWire(rs.getString("type")).orElseThrow(),
                            uuids.map(rs, "conversation_id", ctx), rs.getString("payload"),
                            Instant.ofEpochMilli(rs.getLong("created_at")));
                })
                .list();
    }
}

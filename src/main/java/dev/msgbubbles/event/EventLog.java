package dev.msgbubbles.event;

import dev.msgbubbles.common.Mode;
import dev.msgbubbles.common.Secrets;
import dev.msgbubbles.common.WireJson;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** Appends events in the caller's transaction and reads them back by cursor. */
public final class EventLog {

    /** Appends {@code type} with {@code data} (serialised now, as a snapshot). Returns the event id. */
    public String append(Handle tx, UUID accountId, Mode mode, EventType type, UUID conversationId, Object data, Instant now) {
        String id = "evt_" + Secrets.randomBase62(24);
        tx.createUpdate("""
                        INSERT INTO events (id, account_id, mode, type, conversation_id, payload, created_at)
                        VALUES (:id, :account, :mode, :type, :conversation, :payload, :now)""")
                .bind("id", id).bind("account", accountId).bind("mode", mode.wire()).bind("type", type.wire())
                .bind("conversation", conversationId).bind("payload", WireJson.write(data))
                .bind("now", now.toEpochMilli())
                .execute();
        return id;
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

package dev.msgbubbles.message;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.common.PageQuery;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.Query;

/** SQL for {@code messages} and {@code message_timeline}. Scoped reads take account and mode. */
final class MessageStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COLUMNS = """
            id, account_id, mode, conversation_id, direction, status, channel, from_handle, to_handle, body, effect,
            reply_to, requested_channel, metadata, error_code, error_message, scheduled_at, sent_at, delivered_at,
            read_at, edited_at, retry_count, created_at, updated_at""";

    private static final RowMapper<Message> MAPPER = (rs, ctx) -> {
        var uuids = ctx.findColumnMapperFor(UUID.class).orElseThrow();
        return new Message(uuids.map(rs, "id", ctx), uuids.map(rs, "account_id", ctx),
                Mode.fromWire(rs.getString("mode")).orElseThrow(), uuids.map(rs, "conversation_id", ctx),
                Message.Direction.valueOf(rs.getString("direction").toUpperCase(Locale.ROOT)),
                MessageStatus.fromWire(rs.getString("status")).orElseThrow(),
                channel(rs.getString("channel")), rs.getString("from_handle"), rs.getString("to_handle"),
                rs.getString("body"), rs.getString("effect"), uuids.map(rs, "reply_to", ctx),
                channel(rs.getString("requested_channel")), metadata(rs.getString("metadata")),
                rs.getString("error_code"), rs.getString("error_message"), instant(rs, "scheduled_at"),
                instant(rs, "sent_at"), instant(rs, "delivered_at"), instant(rs, "read_at"), instant(rs, "edited_at"),
                rs.getInt("retry_count"), instant(rs, "created_at"), instant(rs, "updated_at"));
    };

    /** What {@code GET /v1/messages} may filter on; null means no filter. */
    record Filter(UUID conversationId, MessageStatus status, Message.Direction direction, String to) {
    }

    void insert(Handle tx, Message m) {
        tx.createUpdate("INSERT INTO messages (" + COLUMNS + ") VALUES (:id, :account, :mode, :conversation, :direction, "
                        + ":status, :channel, :from, :to, :body, :effect, :replyTo, :requestedChannel, :metadata, :errorCode, "
                        + ":errorMessage, :scheduledAt, :sentAt, :deliveredAt, :readAt, :editedAt, :retryCount, :createdAt, :updatedAt)")
                .bind("id", m.id()).bind("account", m.accountId()).bind("mode", m.mode().wire())
                .bind("conversation", m.conversationId()).bind("direction", m.direction().wire())
                .bind("status", m.status().wire()).bind("channel", wire(m.channel())).bind("from", m.fromHandle())
                .bind("to", m.to()).bind("body", m.text()).bind("effect", m.effect()).bind("replyTo", m.replyTo())
                .bind("requestedChannel", wire(m.requestedChannel())).bind("metadata", json(m.metadata()))
                .bind("errorCode", m.errorCode()).bind("errorMessage", m.errorMessage())
                .bind("scheduledAt", millis(m.scheduledAt())).bind("sentAt", millis(m.sentAt()))
                .bind("deliveredAt", millis(m.deliveredAt())).bind("readAt", millis(m.readAt()))
                .bind("editedAt", millis(m.editedAt())).bind("retryCount", m.retryCount())
                .bind("createdAt", millis(m.createdAt())).bind("updatedAt", millis(m.updatedAt()))
                .execute();
    }

    Optional<Message> find(Handle h, UUID accountId, Mode mode, UUID id) {
        return h.createQuery("SELECT " + COLUMNS + " FROM messages WHERE id = :id AND account_id = :account AND mode = :mode")
                .bind("id", id).bind("account", accountId).bind("mode", mode.wire()).map(MAPPER).findOne();
    }

    /** Unscoped: for workers, which act on ids they were handed by the system itself. */
    Optional<Message> findById(Handle h, UUID id) {
        return h.createQuery("SELECT " + COLUMNS + " FROM messages WHERE id = :id").bind("id", id).map(MAPPER).findOne();
    }

    PageQuery.Page<Message> list(Handle h, UUID accountId, Mode mode, Filter filter, PageQuery page) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM messages WHERE account_id = :account AND mode = :mode");
        Map<String, Object> binds = new LinkedHashMap<>();
        if (filter.conversationId() != null) {
            sql.append(" AND conversation_id = :conversation");
            binds.put("conversation", filter.conversationId());
        }
        if (filter.status() != null) {
            sql.append(" AND status = :status");
            binds.put("status", filter.status().wire());
        }
        if (filter.direction() != null) {
            sql.append(" AND direction = :direction");
            binds.put("direction", filter.direction().wire());
        }
        if (filter.to() != null) {
            sql.append(" AND to_handle = :to");
            binds.put("to", filter.to());
        }
        if (page.before().isPresent()) {
            switch (page.before().get()) {
                case PageQuery.BeforeTime t -> {
                    sql.append(" AND created_at < :beforeTime");
                    binds.put("beforeTime", t.time().toEpochMilli());
                }
                case PageQuery.BeforeItem item -> {
                    Message anchor = find(h, accountId, mode, item.id())
                            .orElseThrow(() -> ApiException.invalid("before", "before names no message of yours"));
                    sql.append(" AND (created_at < :beforeTime OR (created_at = :beforeTime AND id < :beforeId))");
                    binds.put("beforeTime", anchor.createdAt().toEpochMilli());
                    binds.put("beforeId", item.id());
                }
            }
        }
        sql.append(" ORDER BY created_at DESC, id DESC LIMIT :limit");
        Query query = h.createQuery(sql.toString()).bind("account", accountId).bind("mode", mode.wire())
                .bind("limit", page.limit() + 1);
        binds.forEach(query::bind);
        return page.page(query.map(MAPPER).list(), Message::id);
    }

    /**
     * Moves a message to {@code to} if its current status is one of {@code from}, returning the updated row, or
     * empty when it did not move. The guard is what keeps statuses moving only forward under duplicate or late
     * receipts.
     */
    Optional<Message> transition(Handle tx, UUID id, List<MessageStatus> from, MessageStatus to, String setClause,
                                 Map<String, Object> values, Instant now) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < from.size(); i++) {
            names.add(":from" + i);
        }
        var update = tx.createQuery("UPDATE messages SET status = :to, updated_at = :now" + setClause
                        + " WHERE id = :id AND status IN (" + String.join(", ", names) + ") RETURNING " + COLUMNS)
                .bind("to", to.wire()).bind("now", now.toEpochMilli()).bind("id", id);
        for (int i = 0; i < from.size(); i++) {
            update.bind("from" + i, from.get(i).wire());
        }
        values.forEach(update::bind);
        return update.map(MAPPER).findOne();
    }

    void addTimeline(Handle tx, UUID messageId, MessageStatus status, ChannelType channel, String detail, Instant at) {
        tx.createUpdate("INSERT INTO message_timeline (message_id, status, channel, detail, at) "
                        + "VALUES (:id, :status, :channel, :detail, :at)")
                .bind("id", messageId).bind("status", status.wire()).bind("channel", wire(channel)).bind("detail", detail)
                .bind("at", at.toEpochMilli()).execute();
    }

    List<MessageView.TimelineEntry> timeline(Handle h, UUID messageId) {
        return h.createQuery("SELECT status, channel, detail, at FROM message_timeline WHERE message_id = :id ORDER BY seq")
                .bind("id", messageId)
                .map((rs, ctx) -> new MessageView.TimelineEntry(rs.getString("status"), rs.getString("channel"),
                        Instant.ofEpochMilli(rs.getLong("at")), rs.getString("detail")))
                .list();
    }

    private static ChannelType channel(String wire) {
        return wire == null ? null : ChannelType.fromWire(wire).orElseThrow();
    }

    private static String wire(ChannelType channel) {
        return channel == null ? null : channel.wire();
    }

    private static Long millis(Instant instant) {
        return instant == null ? null : instant.toEpochMilli();
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(value);
    }

    private static String json(Map<String, String> metadata) {
        try {
            return metadata == null ? null : JSON.writeValueAsString(metadata);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> metadata(String json) {
        try {
            return json == null ? null : JSON.readValue(json, new TypeReference<LinkedHashMap<String, String>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt metadata column", e);
        }
    }
}

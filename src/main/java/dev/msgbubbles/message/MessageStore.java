package dev.msgbubbles.message;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.msgbubbles.chat.ThreadIndex;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.common.PageQuery;
import dev.msgbubbles.db.LastWrites;
import dev.msgbubbles.db.Dialect;
import dev.msgbubbles.db.Sql;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * SQL for {@code messages}, including each message's timeline: a JSON array (text) of
 * {@code {"status", "channel", "at" (epoch ms), "detail"}} on the row, appended to by the statement that changes
 * the status. Scoped reads take account and mode.
 */
final class MessageStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COLUMNS = """
            id, account_id, mode, conversation_id, direction, status, channel, from_handle, to_handle, body, effect,
            reply_to, requested_channel, metadata, error_code, error_message, scheduled_at, sent_at, delivered_at,
            read_at, edited_at, retry_count, created_at, updated_at, attachments, voice_memo""";

    private static final Sql.RowMapper<Message> MAPPER = row -> new Message(row.uuid("id"), row.uuid("account_id"),
            Mode.fromWire(row.string("mode")).orElseThrow(), row.uuid("conversation_id"),
            Message.Direction.valueOf(row.string("direction").toUpperCase(Locale.ROOT)),
            MessageStatus.fromWire(row.string("status")).orElseThrow(),
            channel(row.string("channel")), row.string("from_handle"), row.string("to_handle"),
            row.string("body"), row.string("effect"), row.uuid("reply_to"),
            channel(row.string("requested_channel")), metadata(row.string("metadata")),
            row.string("error_code"), row.string("error_message"), row.instant("scheduled_at"),
            row.instant("sent_at"), row.instant("delivered_at"), row.instant("read_at"), row.instant("edited_at"),
            row.intValue("retry_count"), row.instant("created_at"), row.instant("updated_at"), row.string("attachments"),
            row.bool("voice_memo"));

    private static final String INSERT = "INSERT INTO messages (" + COLUMNS + ", timeline) VALUES";
    private static final String FIND = "SELECT " + COLUMNS + " FROM messages WHERE id = ? AND account_id = ? AND mode = ?";
    private static final String FIND_BY_ID = "SELECT " + COLUMNS + " FROM messages WHERE id = ?";
    private static final String TIMELINE = "SELECT timeline FROM messages WHERE id = ?";
    /** The start of an assignment appending to the timeline array; close it with the new entries and {@code ]}. */
    private static final String APPEND = ", timeline = CASE WHEN timeline = '[]' THEN '[' "
            + "ELSE substr(timeline, 1, length(timeline) - 1) || ',' END || ";
    /** The message's channel as JSON, as the statement finds it (before its own assignments). */
    private static final String ROW_CHANNEL = "CASE WHEN channel IS NULL THEN 'null' ELSE '\"' || channel || '\"' END";

    /** What {@code GET /v1/messages} may filter on; null means no filter. */
    record Filter(UUID conversationId, MessageStatus status, Message.Direction direction, String to) {
    }

    /** A timeline row to write. */
    record TimelineRow(UUID messageId, MessageStatus status, ChannelType channel, String detail, Instant at) {
    }

    /**
     * Inserts a message whose timeline starts with {@code firstStep}, at the end of the transaction together with the
     * other messages it inserts (see {@link LastWrites}): nothing in the transaction may read it back.
     */
    void insert(Handle tx, Message m, TimelineRow firstStep) {
        LastWrites.insert(tx, INSERT, 27, m.id(), m.accountId(), m.mode().wire(), m.conversationId(), m.direction().wire(),
                m.status().wire(), wire(m.channel()), m.fromHandle(), m.to(), m.text(), m.effect(), m.replyTo(),
                wire(m.requestedChannel()), json(m.metadata()), m.errorCode(), m.errorMessage(), m.scheduledAt(),
                m.sentAt(), m.deliveredAt(), m.readAt(), m.editedAt(), m.retryCount(), m.createdAt(), m.updatedAt(),
                m.attachments(), m.voiceMemo(), "[" + entries(List.of(firstStep)) + "]");
    }

    Optional<Message> find(Handle h, UUID accountId, Mode mode, UUID id) {
        settleHeld(h);
        return Sql.one(h, FIND, MAPPER, id, accountId, mode.wire());
    }

    /**
     * {@link #find}, locking the row until the transaction ends (PostgreSQL; SQLite's single writer serializes write
     * transactions anyway): for an action that writes no change to the message but must not act on a state that a
     * concurrent transaction is changing (a reaction beside an unsend).
     */
    Optional<Message> findForUpdate(Handle tx, UUID accountId, Mode mode, UUID id) {
        settleHeld(tx);
        return Sql.one(tx, FIND + Sql.dialect(tx).forUpdate(), MAPPER, id, accountId, mode.wire());
    }

    /** The channel of the newest message of a thread that went over one (newest first by thread: see ThreadIndex). */
    Optional<ChannelType> latestChannel(Handle h, UUID conversationId) {
        settleHeld(h);
        Sql.RowMapper<ChannelType> channel = row -> ChannelType.fromWire(row.string("channel")).orElseThrow();
        if (Sql.dialect(h) == Dialect.SQLITE) {
            ThreadIndex.Where thread = ThreadIndex.sqliteThread(conversationId,
                    new ThreadIndex.Where(" AND m.channel IS NOT NULL", List.of()), 1);
            return Sql.one(h, "SELECT channel FROM messages WHERE " + thread.sql() + " AND channel IS NOT NULL "
                    + "ORDER BY created_at DESC, id DESC LIMIT 1", channel, thread.values().toArray());
        }
        return Sql.one(h, "SELECT channel FROM messages WHERE conversation_id = ? AND channel IS NOT NULL "
                + "ORDER BY created_at DESC, id DESC LIMIT 1", channel, conversationId);
    }

    /**
     * Marks read, at {@code at}, every inbound message of a thread received by {@code receivedBy} (that instant
     * included) that was not yet; the number marked.
     */
    int markInboundRead(Handle tx, UUID conversationId, Instant receivedBy, Instant at) {
        settleHeld(tx);
        if (Sql.dialect(tx) == Dialect.SQLITE) {
            ThreadIndex.Where thread = ThreadIndex.sqliteThread(conversationId, new ThreadIndex.Where("", List.of()), null);
            List<Object> values = new ArrayList<>(List.of(at, at));
            values.addAll(thread.values());
            values.add(receivedBy);
            return Sql.update(tx, "UPDATE messages SET read_at = ?, updated_at = ? WHERE " + thread.sql()
                    + " AND direction = 'inbound' AND read_at IS NULL AND created_at <= ?", values.toArray());
        }
        return Sql.update(tx, "UPDATE messages SET read_at = ?, updated_at = ? WHERE conversation_id = ? "
                + "AND direction = 'inbound' AND read_at IS NULL AND created_at <= ?", at, at, conversationId, receivedBy);
    }

    /** The equality filters of a listing besides the thread, by column. */
    private static Map<String, Object> filterColumns(Filter filter) {
        Map<String, Object> columns = new LinkedHashMap<>();
        if (filter.status() != null) {
            columns.put("status", filter.status().wire());
        }
        if (filter.direction() != null) {
            columns.put("direction", filter.direction().wire());
        }
        if (filter.to() != null) {
            columns.put("to_handle", filter.to());
        }
        return columns;
    }

    /** Unscoped: for workers, which act on ids they were handed by the system itself. */
    Optional<Message> findById(Handle h, UUID id) {
        settleHeld(h);
        return Sql.one(h, FIND_BY_ID, MAPPER, id);
    }

    /**
     * {@link #findById}, locking the row until the transaction ends (PostgreSQL; see {@link #findForUpdate}): for a
     * worker that writes no change to the message but must not act on a state a concurrent transaction is changing.
     */
    Optional<Message> findByIdForUpdate(Handle tx, UUID id) {
        settleHeld(tx);
        return Sql.one(tx, FIND_BY_ID + Sql.dialect(tx).forUpdate(), MAPPER, id);
    }

    /** Messages by id, unscoped (for workers), in one query (the id list padded: see {@link Sql#paddedKeys}). */
    List<Message> findByIds(Handle h, List<UUID> ids) {
        settleHeld(h);
        if (ids.isEmpty()) {
            return List.of();
        }
        Object[] values = Sql.paddedKeys(ids);
        return Sql.list(h, "SELECT " + COLUMNS + " FROM messages WHERE id IN (" + Sql.repeat("?", values.length) + ")",
                MAPPER, values);
    }

    PageQuery.Page<Message> list(Handle h, UUID accountId, Mode mode, Filter filter, PageQuery page) {
        settleHeld(h);
        ThreadIndex.Where query = listQuery(h, accountId, mode, filter, page);
        return page.page(Sql.list(h, query.sql(), MAPPER, query.values().toArray()), Message::id);
    }

    /** The statement of {@link #list} and its values (its plan is tested on SQLite). */
    ThreadIndex.Where listQuery(Handle h, UUID accountId, Mode mode, Filter filter, PageQuery page) {
        // looked up once, though the SQLite statement by thread states the page's start twice
        Map<UUID, Optional<Instant>> anchors = new java.util.HashMap<>();
        java.util.function.Function<UUID, Optional<Instant>> createdAtOf = id -> anchors.computeIfAbsent(id,
                anchor -> find(h, accountId, mode, anchor).map(Message::createdAt));
        StringBuilder conditions = new StringBuilder();
        List<Object> conditionValues = new ArrayList<>();
        StringBuilder indexed = new StringBuilder(); // the same on a thread entry t and its message m (SQLite)
        List<Object> indexedValues = new ArrayList<>();
        for (Map.Entry<String, Object> f : filterColumns(filter).entrySet()) {
            conditions.append(" AND ").append(f.getKey()).append(" = ?");
            conditionValues.add(f.getValue());
            indexed.append(" AND m.").append(f.getKey()).append(" = ?");
            indexedValues.add(f.getValue());
        }
        conditions.append(page.beforeCondition(conditionValues, createdAtOf, "message"));
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM messages WHERE ");
        List<Object> values = new ArrayList<>();
        boolean byThreadOnSqlite = filter.conversationId() != null && Sql.dialect(h) == Dialect.SQLITE;
        if (byThreadOnSqlite) {
            // by thread: the newest entries that pass every filter, then the not yet indexed (see ThreadIndex); the
            // unary + keeps SQLite off the account's index, which would scan the account's every message
            indexed.append(page.beforeCondition(indexedValues, createdAtOf, "message", "t"));
            ThreadIndex.Where thread = ThreadIndex.sqliteThread(filter.conversationId(),
                    new ThreadIndex.Where(indexed.toString(), indexedValues), page.limit() + 1);
            sql.append(thread.sql()).append(" AND +account_id = ? AND +mode = ?");
            values.addAll(thread.values());
        } else {
            sql.append("account_id = ? AND mode = ?");
            if (filter.conversationId() != null) {
                sql.append(" AND conversation_id = ?");
            }
        }
        values.add(accountId);
        values.add(mode.wire());
        if (filter.conversationId() != null && !byThreadOnSqlite) {
            values.add(filter.conversationId());
        }
        sql.append(conditions);
        values.addAll(conditionValues);
        sql.append(" ORDER BY created_at DESC, id DESC LIMIT ?");
        values.add(page.limit() + 1);
        return new ThreadIndex.Where(sql.toString(), values);
    }

    /** A timeline step a transition appends: {@code rowChannel} records the message's own channel. */
    record Step(MessageStatus status, ChannelType channel, boolean rowChannel, String detail, Instant at) {
    }

    /**
     * Moves a message to {@code to} if its current status is one of {@code from}, appending {@code step} to its
     * timeline in the same statement, and returns the updated row, or empty when it did not move. The guard is what
     * keeps statuses moving only forward under duplicate or late receipts. {@code setClause} adds assignments with
     * {@code ?} placeholders for {@code values}, in order.
     */
    Optional<Message> transition(Handle tx, UUID id, List<MessageStatus> from, MessageStatus to, String setClause,
                                 List<Object> values, Step step, Instant now) {
        settleHeld(tx);
        String[] around = entryAround(step.status(), step.detail(), step.at());
        List<Object> appended = step.rowChannel() ? List.of(around[0], around[1])
                : List.of(around[0], step.channel() == null ? "null" : "\"" + step.channel().wire() + "\"", around[1]);
        return Sql.one(tx, "UPDATE messages SET status = ?, updated_at = ?" + setClause + APPEND + "? || "
                        + (step.rowChannel() ? ROW_CHANNEL : "?") + " || ? || ']' WHERE id = ? AND status IN ("
                        + Sql.repeat("?", from.size()) + ") RETURNING " + COLUMNS, MAPPER,
                guarded(to, now, values, appended, id, from));
    }

    /**
     * Like {@link #transition} when the caller already knows the resulting row, and appending {@code steps} to the
     * timeline in the same statement: true when the guard let the change through. Nothing is read back, so nothing
     * needs mapping on the writer.
     */
    boolean advance(Handle tx, UUID id, List<MessageStatus> from, MessageStatus to, String setClause, List<Object> values,
                    List<TimelineRow> steps, Instant now) {
        settleHeld(tx);
        String appended = entries(steps);
        return Sql.update(tx, "UPDATE messages SET status = ?, updated_at = ?" + setClause + APPEND
                + "? || ']' WHERE id = ? AND status IN (" + Sql.repeat("?", from.size()) + ")",
                guarded(to, now, values, List.of(appended), id, from)) == 1;
    }

    /** A send to record: its message moves out of {@code queued} or {@code scheduled} to {@code status}. */
    record Sent(UUID id, MessageStatus status, ChannelType channel, Instant at, Instant deliveredAt, Instant readAt,
                List<TimelineRow> steps) {
    }

    /** The statuses a send moves a message out of (its guard). */
    static final List<MessageStatus> UNSENT_YET = List.of(MessageStatus.QUEUED, MessageStatus.SCHEDULED);

    /**
     * Records {@code sent} (status, channel, the send's and receipts' times and its timeline steps, guarded by
     * {@link #UNSENT_YET}) and then runs {@code moved} if the guard let it through; nothing if not. On PostgreSQL the
     * update is held to the end of the transaction and made there with every other send held in it, one statement
     * for all (the one statement per message sent that was left was a fifth of the round trips to the database, and
     * 4,517 against 4,794 sends/s over four alternating pairs of {@code bench profile postgresql}); {@code moved}
     * then runs in the order the sends were given, before the events step, so it may append events. Every other
     * statement of this store on existing messages in the transaction first makes the held sends, so it finds them
     * made, as if each had run where it was given. SQLite (one process, no round trips) records it at once.
     */
    void sentLater(Handle tx, Sent sent, Runnable moved) {
        if (Sql.dialect(tx) == Dialect.SQLITE) {
            if (sentNow(tx, sent)) {
                moved.run();
            }
            return;
        }
        LastWrites.updateFrom(tx, SENT_FROM_VALUES, sent.id(), moved, sent.id(), sent.status().wire(), sent.at(),
                sent.channel().wire(), sent.deliveredAt(), sent.readAt(), entries(sent.steps()));
    }

    /** {@link #sentLater} now: whether the guard let it through. */
    boolean sentNow(Handle tx, Sent s) {
        return advance(tx, s.id(), UNSENT_YET, s.status(),
                ", channel = ?, sent_at = ?, delivered_at = COALESCE(?, delivered_at), read_at = COALESCE(?, read_at)",
                java.util.Arrays.asList(s.channel().wire(), s.at(), s.deliveredAt(), s.readAt()), s.steps(), s.at());
    }

    /** Makes the sends held in {@code h}, if it is a write transaction holding any (see {@link #sentLater}). */
    static void settleHeld(Handle h) {
        LastWrites.settle(h, SENT_FROM_VALUES);
    }

    /** PostgreSQL: the held sends' new values joined to their rows, guarded as {@link #sentNow} guards one. */
    private static final LastWrites.FromValues SENT_FROM_VALUES = new LastWrites.FromValues(
            "UPDATE messages AS m SET status = v.status, updated_at = v.at, channel = v.channel, sent_at = v.at, "
                    + "delivered_at = COALESCE(v.delivered_at, m.delivered_at), read_at = COALESCE(v.read_at, m.read_at), "
                    + "timeline = CASE WHEN m.timeline = '[]' THEN '[' ELSE substr(m.timeline, 1, length(m.timeline) - 1) "
                    + "|| ',' END || v.steps || ']' FROM (VALUES",
            "(?::uuid, ?, ?::bigint, ?, ?::bigint, ?::bigint, ?)",
            ") AS v (id, status, at, channel, delivered_at, read_at, steps) WHERE m.id = v.id AND m.status IN ("
                    + String.join(", ", UNSENT_YET.stream().map(status -> "'" + status.wire() + "'").toList())
                    + ") RETURNING m.id",
            row -> row.uuid("id"));

    /** The values of a guarded status UPDATE, in placeholder order: SET, extra SET, WHERE id, WHERE status IN. */
    private static Object[] guarded(MessageStatus to, Instant now, List<Object> values, List<Object> more, UUID id,
                                    List<MessageStatus> from) {
        List<Object> all = new ArrayList<>(values.size() + more.size() + from.size() + 3);
        all.add(to.wire());
        all.add(now);
        all.addAll(values);
        all.addAll(more);
        all.add(id);
        from.forEach(status -> all.add(status.wire()));
        return all.toArray();
    }

    /** Replaces a message's attachment objects (their JSON), nothing else of it. */
    void setAttachments(Handle tx, UUID messageId, String attachments) {
        Sql.update(tx, "UPDATE messages SET attachments = ? WHERE id = ?", attachments, messageId);
    }

    /** Appends one step to a message's timeline. */
    void addTimeline(Handle tx, UUID messageId, MessageStatus status, ChannelType channel, String detail, Instant at) {
        settleHeld(tx);
        String appended = entries(List.of(new TimelineRow(messageId, status, channel, detail, at)));
        Sql.update(tx, "UPDATE messages SET " + APPEND.substring(2) + "? || ']' WHERE id = ?", appended, messageId);
    }

    List<MessageView.TimelineEntry> timeline(Handle h, UUID messageId) {
        settleHeld(h);
        String stored = Sql.one(h, TIMELINE, row -> row.string("timeline"), messageId).orElse("[]");
        try {
            List<MessageView.TimelineEntry> entries = new ArrayList<>();
            for (JsonNode entry : JSON.readTree(stored)) {
                entries.add(new MessageView.TimelineEntry(entry.path("status").asText(), text(entry.path("channel")),
                        Instant.ofEpochMilli(entry.path("at").asLong()), text(entry.path("detail"))));
            }
            return entries;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt timeline of message " + messageId, e);
        }
    }

    private static String text(JsonNode node) {
        return node.isNull() || node.isMissingNode() ? null : node.asText();
    }

    /** One timeline entry without its channel value: the text before it and the text after it. */
    private static String[] entryAround(MessageStatus status, String detail, Instant at) {
        try {
            return new String[] {"{\"status\":" + JSON.writeValueAsString(status.wire()) + ",\"channel\":",
                    ",\"at\":" + at.toEpochMilli() + ",\"detail\":" + JSON.writeValueAsString(detail) + "}"};
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a timeline entry", e);
        }
    }

    /** Timeline entries as comma-separated JSON objects (no brackets), in list order. */
    static String entries(List<TimelineRow> steps) {
        StringWriter out = new StringWriter(64 * steps.size());
        try (JsonGenerator gen = JSON.getFactory().createGenerator(out)) {
            gen.setRootValueSeparator(new SerializedString(","));
            for (TimelineRow step : steps) {
                gen.writeStartObject();
                gen.writeStringField("status", step.status().wire());
                gen.writeStringField("channel", wire(step.channel()));
                gen.writeNumberField("at", step.at().toEpochMilli());
                gen.writeStringField("detail", step.detail());
                gen.writeEndObject();
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a timeline entry", e);
        }
        return out.toString();
    }

    private static ChannelType channel(String wire) {
        return wire == null ? null : ChannelType.fromWire(wire).orElseThrow();
    }

    private static String wire(ChannelType channel) {
        return channel == null ? null : channel.wire();
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

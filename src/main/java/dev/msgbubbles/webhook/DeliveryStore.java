package dev.msgbubbles.webhook;

import dev.msgbubbles.common.Mode;
import dev.msgbubbles.common.PageQuery;
import dev.msgbubbles.db.Dialect;
import dev.msgbubbles.db.LastWrites;
import dev.msgbubbles.db.Sql;
import dev.msgbubbles.event.Event;
import dev.msgbubbles.event.EventLog;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** SQL for {@code webhook_deliveries} and {@code webhook_attempts}. */
final class DeliveryStore {
    private static final String COLUMNS = "id, webhook_id, account_id, mode, event_id, event_cursor, event_type, "
            + "payload, status, attempts, retry_step, next_attempt_at, last_status_code, last_error, created_at, updated_at";
    private static final Sql.RowMapper<Delivery> MAPPER = row -> new Delivery(row.uuid("id"), row.uuid("webhook_id"),
            row.uuid("account_id"), Mode.fromWire(row.string("mode")).orElseThrow(), row.string("event_id"),
            row.longOrNull("event_cursor"), row.string("event_type"), row.string("payload"),
            DeliveryStatus.fromWire(row.string("status")).orElseThrow(), row.intValue("attempts"),
            row.intValue("retry_step"), row.instant("next_attempt_at"), row.intOrNull("last_status_code"),
            row.string("last_error"), row.instant("created_at"), row.instant("updated_at"));

    /** A delivery with the event it carries (empty for a test ping, or an event no longer stored). */
    record Loaded(Delivery delivery, Optional<Event> event) {
    }

    void insertAll(Handle tx, List<Delivery> deliveries) {
        List<Object[]> rows = new ArrayList<>(deliveries.size());
        for (Delivery d : deliveries) {
            rows.add(new Object[] {d.id(), d.webhookId(), d.accountId(), d.mode().wire(), d.eventId(), d.eventCursor(),
                    d.eventType(), d.payload(), d.status().wire(), d.attempts(), d.retryStep(), d.nextAttemptAt(), d.lastStatusCode(),
                    d.lastError(), d.createdAt(), d.updatedAt()});
        }
        Sql.insertAll(tx, "INSERT INTO webhook_deliveries (" + COLUMNS + ") VALUES", 16, rows);
    }

    /**
     * Deliveries with the last cursor of the row of events holding each one's event: the first row whose last cursor is
     * at or after the event's (rows hold consecutive cursors, see {@link EventLog.Stored}); one index probe per
     * delivery. (As a subquery in a join condition instead, PostgreSQL's planner chose plans that sorted or hashed the
     * events table: 200-360 ms a load under the webhook benchmark.)
     */
    private static final String LOAD = "SELECT " + COLUMNS + ", (SELECT x.cursor FROM events x WHERE x.cursor >= "
            + "webhook_deliveries.event_cursor ORDER BY x.cursor LIMIT 1) AS row_cursor FROM webhook_deliveries WHERE id IN (";

    Optional<Loaded> load(Handle h, UUID id) {
        return Optional.ofNullable(loadAll(h, List.of(id)).get(id));
    }

    /**
     * Deliveries with their events, in two queries: the deliveries (the id list padded: see {@link Sql#paddedKeys}) with
     * the rows holding their events, then each of those rows once, since deliveries claimed together mostly share
     * rows. The event is taken from its row only if cursor and id both match, so that a wrong cursor (or an event
     * purged since) can never put another event's body under a delivery's {@code webhook-id}. Deliveries that no
     * longer exist are absent from the map; a test ping, or an event no longer stored, has no event.
     */
    Map<UUID, Loaded> loadAll(Handle h, List<UUID> ids) {
        Map<UUID, Loaded> found = new java.util.HashMap<>();
        if (ids.isEmpty()) {
            return found;
        }
        Object[] values = Sql.paddedKeys(ids);
        record Found(Delivery delivery, Long rowCursor) {
        }
        List<Found> deliveries = Sql.list(h, LOAD + Sql.repeat("?", values.length) + ")",
                row -> new Found(MAPPER.map(row), row.longOrNull("row_cursor")), values);
        List<Long> rowCursors = deliveries.stream().map(Found::rowCursor).filter(java.util.Objects::nonNull).distinct()
                .toList();
        Map<Long, EventLog.Stored> rows = new java.util.HashMap<>();
        if (!rowCursors.isEmpty()) {
            Object[] keys = Sql.paddedKeys(rowCursors);
            Sql.list(h, "SELECT " + EventLog.Stored.COLUMNS + " FROM events WHERE cursor IN ("
                    + Sql.repeat("?", keys.length) + ")", row -> EventLog.Stored.read(row, ""), keys)
                    .forEach(row -> rows.put(row.cursor(), row));
        }
        for (Found f : deliveries) {
            Delivery d = f.delivery();
            EventLog.Stored row = f.rowCursor() == null ? null : rows.get(f.rowCursor());
            Optional<Event> event = row == null || d.eventCursor() == null ? Optional.empty()
                    : row.event(d.eventCursor(), d.eventId());
            found.put(d.id(), new Loaded(d, event));
        }
        return found;
    }

    Optional<Delivery> find(Handle h, UUID webhookId, UUID id) {
        return Sql.one(h, "SELECT " + COLUMNS + " FROM webhook_deliveries WHERE id = ? AND webhook_id = ?", MAPPER, id,
                webhookId);
    }

    /** Newest first; stable across equal times. */
    PageQuery.Page<Delivery> list(Handle h, UUID webhookId, PageQuery page) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM webhook_deliveries WHERE webhook_id = ?");
        List<Object> values = new ArrayList<>(List.of(webhookId));
        sql.append(page.beforeCondition(values, id -> find(h, webhookId, id).map(Delivery::createdAt), "delivery"));
        sql.append(" ORDER BY created_at DESC, id DESC LIMIT ?");
        values.add(page.limit() + 1);
        return page.page(Sql.list(h, sql.toString(), MAPPER, values.toArray()), Delivery::id);
    }

    /** The attempts of each delivery, oldest first. */
    Map<UUID, List<Attempt>> attempts(Handle h, List<UUID> deliveryIds) {
        Map<UUID, List<Attempt>> byDelivery = new LinkedHashMap<>();
        if (deliveryIds.isEmpty()) {
            return byDelivery;
        }
        Sql.list(h, "SELECT delivery_id, number, attempted_at, status_code, latency_ms, error, response_excerpt "
                        + "FROM webhook_attempts WHERE delivery_id IN (" + Sql.repeat("?", deliveryIds.size())
                        + ") ORDER BY delivery_id, number",
                row -> new Attempt(row.uuid("delivery_id"), row.intValue("number"), row.instant("attempted_at"),
                        row.intOrNull("status_code"), row.longValue("latency_ms"), row.string("error"),
                        row.string("response_excerpt")), deliveryIds.toArray())
                .forEach(a -> byDelivery.computeIfAbsent(a.deliveryId(), id -> new ArrayList<>()).add(a));
        return byDelivery;
    }

    /** Records an attempt, at the end of the transaction with the others it records (see {@link LastWrites}). */
    void insertAttempt(Handle tx, Attempt a) {
        LastWrites.insert(tx, "INSERT INTO webhook_attempts (delivery_id, number, attempted_at, status_code, latency_ms, "
                        + "error, response_excerpt) VALUES", 7, a.deliveryId(), a.number(), a.attemptedAt(), a.statusCode(),
                a.latencyMs(), a.error(), a.responseExcerpt());
    }

    /**
     * Writes the outcome of an attempt onto a delivery if it is still pending (a delivery settled meanwhile keeps its
     * outcome), at the end of the transaction together with the other deliveries it settles (see
     * {@link LastWrites#update}).
     */
    void settle(Handle tx, Delivery d) {
        Object[] row = {d.status().wire(), d.attempts(), d.retryStep(), d.nextAttemptAt(), d.lastStatusCode(),
            d.lastError(), d.updatedAt(), d.id()};
        if (Sql.dialect(tx) == Dialect.POSTGRESQL) {
            // one statement for the commit's deliveries: a JDBC batch still runs one statement per row
            LastWrites.updateFrom(tx, SETTLE_FROM_VALUES, d.id(), null, row);
        } else {
            LastWrites.update(tx, "UPDATE webhook_deliveries SET status = ?, attempts = ?, retry_step = ?, "
                    + "next_attempt_at = ?, last_status_code = ?, last_error = ?, updated_at = ? "
                    + "WHERE id = ? AND status = 'pending'", row);
        }
    }

    /** PostgreSQL: the settled deliveries' outcomes joined to their rows, each still pending. */
    private static final LastWrites.FromValues SETTLE_FROM_VALUES = new LastWrites.FromValues(
            "UPDATE webhook_deliveries AS d SET status = v.status, attempts = v.attempts, retry_step = v.retry_step, "
                    + "next_attempt_at = v.next_attempt_at, last_status_code = v.last_status_code, "
                    + "last_error = v.last_error, updated_at = v.updated_at FROM (VALUES",
            "(?, ?::int, ?::int, ?::bigint, ?::int, ?, ?::bigint, ?::uuid)",
            ") AS v (status, attempts, retry_step, next_attempt_at, last_status_code, last_error, updated_at, id) "
                    + "WHERE d.id = v.id AND d.status = 'pending'",
            null);

    /**
     * The cursors in ({@code after}, {@code upTo}] of the events among {@code ids} (deliveries) that are still pending,
     * read by primary key, {@value #PROBE} ids a statement.
     */
    java.util.Set<Long> pendingCursors(Handle h, List<UUID> ids, long after, long upTo) {
        java.util.Set<Long> cursors = new java.util.HashSet<>();
        for (int from = 0; from < ids.size(); from += PROBE) {
            Object[] keys = Sql.paddedKeys(ids.subList(from, Math.min(ids.size(), from + PROBE)));
            Object[] values = java.util.Arrays.copyOf(keys, keys.length + 2);
            values[keys.length] = after;
            values[keys.length + 1] = upTo;
            cursors.addAll(Sql.list(h, "SELECT event_cursor FROM webhook_deliveries WHERE id IN ("
                    + Sql.repeat("?", keys.length) + ") AND status = 'pending' AND event_cursor > ? AND event_cursor <= ?",
                    row -> row.longValue("event_cursor"), values));
        }
        return cursors;
    }

    private static final int PROBE = 256;

    /** Makes a settled delivery pending again, due now, at the start of the retry schedule; false if it was pending. */
    boolean reopen(Handle tx, UUID id, Instant now) {
        return Sql.update(tx, "UPDATE webhook_deliveries SET status = 'pending', retry_step = 0, next_attempt_at = ?, "
                + "updated_at = ? WHERE id = ? AND status <> 'pending'", now, now, id) == 1;
    }

    /**
     * Removes the deliveries {@code ids} and their attempts; returns how many deliveries. Callers pick the ids once (and
     * lock them on PostgreSQL) so that both deletes remove the same deliveries: nothing reaches an attempt but through
     * its delivery, so an attempt left behind would stay for good.
     */
    static int removeWithAttempts(Handle tx, List<UUID> ids) {
        if (ids.isEmpty()) {
            return 0;
        }
        Object[] keys = Sql.paddedKeys(ids);
        String in = " IN (" + Sql.repeat("?", keys.length) + ")";
        Sql.update(tx, "DELETE FROM webhook_attempts WHERE delivery_id" + in, keys);
        return Sql.update(tx, "DELETE FROM webhook_deliveries WHERE id" + in, keys);
    }
}

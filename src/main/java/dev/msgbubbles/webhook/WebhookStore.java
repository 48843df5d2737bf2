package dev.msgbubbles.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.msgbubbles.account.Principal;
import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.common.PageQuery;
import dev.msgbubbles.db.Dialect;
import dev.msgbubbles.db.LastWrites;
import dev.msgbubbles.db.Sql;
import dev.msgbubbles.event.EventType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** SQL for {@code webhooks}. Every statement is scoped by account and mode: another's endpoint is simply absent. */
final class WebhookStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COLUMNS = "id, account_id, mode, url, events, enabled, disabled_reason, secret, "
            + "previous_secret, previous_secret_until, earlier_secrets, created_at, updated_at";
    private static final Sql.RowMapper<Webhook> MAPPER = row -> new Webhook(row.uuid("id"), row.uuid("account_id"),
            Mode.fromWire(row.string("mode")).orElseThrow(), row.string("url"), events(row.string("events")),
            row.bool("enabled"), row.string("disabled_reason"), row.string("secret"),
            retired(row.string("previous_secret"), row.instant("previous_secret_until"), row.string("earlier_secrets")),
            row.instant("created_at"), row.instant("updated_at"));
    private static final String SCOPE = " WHERE id = ? AND account_id = ? AND mode = ?";

    void insert(Handle tx, Webhook w) {
        Sql.update(tx, "INSERT INTO webhooks (" + COLUMNS + ") VALUES (" + Sql.repeat("?", 13) + ")", w.id(),
                w.accountId(), w.mode().wire(), w.url(), json(w.events()), w.enabled(), w.disabledReason(), w.secret(),
                previousSecret(w), previousSecretUntil(w), earlierSecrets(w), w.createdAt(), w.updatedAt());
    }

    /** The endpoints of an account and mode (through the account index). */
    long count(Handle h, UUID accountId, Mode mode) {
        return Sql.one(h, "SELECT COUNT(*) AS n FROM webhooks WHERE account_id = ? AND mode = ?",
                row -> row.longValue("n"), accountId, mode.wire()).orElse(0L);
    }

    /**
     * PostgreSQL: holds, until {@code tx} ends, a lock of its own for registering endpoints of this account and mode
     * (a transaction-scoped advisory lock keyed by {@link #REGISTRATIONS} and a hash of the two; an unrelated account
     * sharing the hash only waits a moment). SQLite's write transactions are serialised already.
     */
    void lockRegistrations(Handle tx, UUID accountId, Mode mode) {
        if (Sql.dialect(tx) == Dialect.POSTGRESQL) {
            Sql.list(tx, "SELECT pg_advisory_xact_lock(?, ?)", row -> Boolean.TRUE, REGISTRATIONS,
                    java.util.Objects.hash(accountId, mode.wire()));
        }
    }

    /** The first key of the advisory locks of {@link #lockRegistrations} (two-int keys never meet one-bigint keys). */
    private static final int REGISTRATIONS = 0x57480001;

    Optional<Webhook> find(Handle h, UUID accountId, Mode mode, UUID id) {
        return Sql.one(h, "SELECT " + COLUMNS + " FROM webhooks" + SCOPE, MAPPER, id, accountId, mode.wire());
    }

    /** The caller's endpoint {@code id}, or the documented 404: another account's or mode's is simply absent. */
    Webhook require(Handle h, Principal p, UUID id) {
        return find(h, p.accountId(), p.mode(), id).orElseThrow(() -> ApiException.notFound("webhook"));
    }

    /**
     * {@link #require}, locking the row until {@code tx} ends: for a change that writes the endpoint back whole, so
     * that a concurrent change (a PATCH of another field, a rotation, the courier disabling it) is read, not undone.
     */
    Webhook requireForUpdate(Handle tx, Principal p, UUID id) {
        return Sql.one(tx, "SELECT " + COLUMNS + " FROM webhooks" + SCOPE + Sql.dialect(tx).forUpdate(), MAPPER, id,
                p.accountId(), p.mode().wire()).orElseThrow(() -> ApiException.notFound("webhook"));
    }

    /** Newest first by creation; stable across equal times, so pages never skip or repeat an endpoint. */
    PageQuery.Page<Webhook> list(Handle h, UUID accountId, Mode mode, PageQuery page) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM webhooks WHERE account_id = ? AND mode = ?");
        List<Object> values = new ArrayList<>(List.of(accountId, mode.wire()));
        sql.append(page.beforeCondition(values, id -> find(h, accountId, mode, id).map(Webhook::createdAt), "webhook"));
        sql.append(" ORDER BY created_at DESC, id DESC LIMIT ?");
        values.add(page.limit() + 1);
        return page.page(Sql.list(h, sql.toString(), MAPPER, values.toArray()), Webhook::id);
    }

    /** Writes the mutable fields of {@code w} (url, events, enabled and its reason, secrets); false if it is gone. */
    boolean update(Handle tx, Webhook w) {
        return Sql.update(tx, "UPDATE webhooks SET url = ?, events = ?, enabled = ?, disabled_reason = ?, secret = ?, "
                        + "previous_secret = ?, previous_secret_until = ?, earlier_secrets = ?, updated_at = ?" + SCOPE,
                w.url(), json(w.events()), w.enabled(), w.disabledReason(), w.secret(), previousSecret(w),
                previousSecretUntil(w), earlierSecrets(w), w.updatedAt(), w.id(), w.accountId(), w.mode().wire()) == 1;
    }

    /** Any account's endpoint by id: for the delivery pipeline, which acts on stored deliveries, not on requests. */
    Optional<Webhook> byId(Handle h, UUID id) {
        return Sql.one(h, "SELECT " + COLUMNS + " FROM webhooks WHERE id = ?", MAPPER, id);
    }

    /** An enabled endpoint and the event types it takes (null: every type). */
    record Subscriber(UUID id, java.util.Set<EventType> types) {
        boolean takes(EventType type) {
            return types == null || types.contains(type);
        }
    }

    /** Event filters as stored (an account's text), parsed: at most 10,000, the least used going first. */
    private static final com.github.benmanes.caffeine.cache.Cache<String, java.util.Set<EventType>> PARSED =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(10_000).executor(Runnable::run).build();

    /** The enabled endpoints of an account and mode, oldest first. */
    List<Subscriber> subscribers(Handle h, UUID accountId, Mode mode) {
        return Sql.list(h, "SELECT id, events FROM webhooks WHERE account_id = ? AND mode = ? AND enabled = ? "
                + "ORDER BY created_at, id", row -> new Subscriber(row.uuid("id"), types(row.string("events"))),
                accountId, mode.wire(), true);
    }

    private static java.util.Set<EventType> types(String json) {
        if (json == null) {
            return null;
        }
        return PARSED.get(json, text -> java.util.Collections.unmodifiableSet(Webhook.typesOf(events(text))));
    }

    /**
     * Counts a delivery that used up its retries; at {@code limit} in a row the endpoint is disabled with
     * {@code reason}. Returns true when this call disabled it.
     */
    boolean exhausted(Handle tx, UUID id, int limit, String reason, java.time.Instant now) {
        LastWrites.flush(tx, RESET, id); // a success earlier in this transaction counts first, as it would alone
        Sql.update(tx, "UPDATE webhooks SET exhausted_in_a_row = exhausted_in_a_row + 1 WHERE id = ?", id);
        return Sql.update(tx, "UPDATE webhooks SET enabled = ?, disabled_reason = ?, updated_at = ? "
                + "WHERE id = ? AND enabled = ? AND exhausted_in_a_row >= ?", false, reason, now, id, true, limit) == 1;
    }

    /**
     * A delivery succeeded (or the endpoint was enabled again): its count of exhausted deliveries starts again, at the
     * end of the transaction and once for every endpoint in it (see {@link LastWrites}).
     */
    void resetExhausted(Handle tx, UUID id) {
        LastWrites.forKey(tx, RESET, id);
    }

    private static final String RESET = "UPDATE webhooks SET exhausted_in_a_row = 0 WHERE exhausted_in_a_row <> 0 AND id IN";

    boolean delete(Handle tx, UUID accountId, Mode mode, UUID id) {
        return Sql.update(tx, "DELETE FROM webhooks" + SCOPE, id, accountId, mode.wire()) == 1;
    }

    /*
     * Retired secrets: the newest in previous_secret and previous_secret_until (where builds before V22 look), any
     * older ones in earlier_secrets, a JSON array of {"secret", "until" (epoch milliseconds)}, newest first.
     */

    private static String previousSecret(Webhook w) {
        return w.retiredSecrets().isEmpty() ? null : w.retiredSecrets().getFirst().secret();
    }

    private static java.time.Instant previousSecretUntil(Webhook w) {
        return w.retiredSecrets().isEmpty() ? null : w.retiredSecrets().getFirst().until();
    }

    private static String earlierSecrets(Webhook w) {
        if (w.retiredSecrets().size() < 2) {
            return null;
        }
        List<java.util.Map<String, Object>> earlier = new ArrayList<>();
        for (Webhook.RetiredSecret r : w.retiredSecrets().subList(1, w.retiredSecrets().size())) {
            earlier.add(java.util.Map.of("secret", r.secret(), "until", r.until().toEpochMilli()));
        }
        try {
            return JSON.writeValueAsString(earlier);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Webhook.RetiredSecret> retired(String previous, java.time.Instant previousUntil, String earlier) {
        if (previous == null || previousUntil == null) {
            return List.of();
        }
        List<Webhook.RetiredSecret> retired = new ArrayList<>();
        retired.add(new Webhook.RetiredSecret(previous, previousUntil));
        if (earlier != null) {
            try {
                for (JsonNode r : JSON.readTree(earlier)) {
                    retired.add(new Webhook.RetiredSecret(r.path("secret").asText(),
                            java.time.Instant.ofEpochMilli(r.path("until").asLong())));
                }
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("corrupt earlier_secrets column", e);
            }
        }
        return retired;
    }

    private static String json(List<String> events) {
        try {
            return events == null ? null : JSON.writeValueAsString(events);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> events(String json) {
        try {
            return json == null ? null : List.copyOf(JSON.readValue(json, new TypeReference<List<String>>() { }));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt events column", e);
        }
    }
}

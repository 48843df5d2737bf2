package dev.msgbubbles.webhook;

import dev.msgbubbles.account.Principal;
import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ErrorCode;
import dev.msgbubbles.common.Ids;
import dev.msgbubbles.common.PageQuery;
import dev.msgbubbles.common.Secrets;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.event.EventType;
import dev.msgbubbles.idempotency.IdempotencyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Webhook endpoints of an account and mode: register (idempotently), read, change, remove, rotate the secret.
 * Every URL passes the {@link UrlGuard} when it is set. Secrets are Standard Webhooks secrets: {@code whsec_}
 * and 24 random bytes in base64; after a rotation the previous secret keeps signing, next to the new one, for
 * {@link #ROTATION_OVERLAP}.
 */
public final class Webhooks {
    public static final String ENDPOINT = "POST /v1/webhooks";
    public static final Duration ROTATION_OVERLAP = Duration.ofHours(24);
    /** Endpoints one account may have in one mode unless configured otherwise ({@code MSGBUBBLES_WEBHOOK_MAX_ENDPOINTS}). */
    public static final int DEFAULT_MAX_ENDPOINTS = 50;

    /** What a registration asks for; {@code events} null means every event. */
    public record Registration(Principal principal, String idempotencyKey, String fingerprint, String url,
                               List<String> events) {
    }

    /** A change: an absent field is left as it is; {@code events} present and null means every event again. */
    public record Change(Optional<String> url, Optional<Optional<List<String>>> events, Optional<Boolean> enabled) {
    }

    /** The outcome of a registration: new (201) or the original of a repeated key (200). */
    public sealed interface Result {
        WebhookView webhook();
    }

    public record Created(WebhookView webhook) implements Result {
    }

    public record Replayed(WebhookView webhook) implements Result {
    }

    private final Database db;
    private final Clock clock;
    private final IdempotencyStore idempotency;
    private final UrlGuard guard;
    private final WebhookStore store = new WebhookStore();

    /** Hears of every change to an account's endpoints (the delivery fan-out keeps a copy of them). */
    @FunctionalInterface
    public interface Listener {
        /** After the commit of a change to the account's endpoints. */
        void changed(UUID accountId, dev.msgbubbles.common.Mode mode);

        /**
         * In the transaction that removes endpoint {@code webhookId}: the delivery pipeline writes the job that removes
         * its delivery log later ({@link EndpointRemoval}), so that the request holds the store for one row, not the
         * whole log. Nothing by default (no pipeline, no log).
         */
        default void removing(org.jdbi.v3.core.Handle tx, UUID webhookId) {
        }
    }

    private final Listener listener;
    private final int maxEndpoints;

    public Webhooks(Database db, Clock clock, IdempotencyStore idempotency, UrlGuard guard) {
        this(db, clock, idempotency, guard, (account, mode) -> { });
    }

    public Webhooks(Database db, Clock clock, IdempotencyStore idempotency, UrlGuard guard, Listener listener) {
        this(db, clock, idempotency, guard, listener, DEFAULT_MAX_ENDPOINTS);
    }

    /**
     * {@code maxEndpoints}: how many endpoints an account may have in one mode. Every event of the account and mode is
     * written with a delivery for each endpoint that takes it, in the transaction that writes the event (the send's),
     * so the endpoints of one account set the cost of its sends, and through the shared writer, of everyone's.
     */
    public Webhooks(Database db, Clock clock, IdempotencyStore idempotency, UrlGuard guard, Listener listener,
                    int maxEndpoints) {
        if (maxEndpoints < 1) {
            throw new IllegalArgumentException("maxEndpoints must be at least 1");
        }
        this.maxEndpoints = maxEndpoints;
        this.listener = listener;
        this.db = db;
        this.clock = clock;
        this.idempotency = idempotency;
        this.guard = guard;
    }

    public Result register(Registration r) {
        Principal p = r.principal();
        IdempotencyStore.Scope scope = new IdempotencyStore.Scope(p.accountId(), p.mode(), ENDPOINT);
        if (r.idempotencyKey() != null) {
            Optional<IdempotencyStore.Outcome> seen = db.read(h -> idempotency.lookup(h, scope, r.idempotencyKey(), r.fingerprint()));
            if (seen.isPresent()) {
                return answer(p, seen.get());
            }
        }
        String url = checkedUrl(r.url());
        List<String> events = checkedEvents(r.events());
        Instant now = clock.instant();
        Webhook webhook = new Webhook(Ids.uuidV7(clock), p.accountId(), p.mode(), url, events, true, null, newSecret(),
                List.of(), now, now);
        Object outcome = db.write(tx -> {
            // one registration of the account and mode at a time, so that two at once cannot both find room for one
            // more (SQLite serialises writers anyway)
            store.lockRegistrations(tx, p.accountId(), p.mode());
            if (r.idempotencyKey() != null) {
                IdempotencyStore.Outcome reserved = idempotency.reserve(tx, scope, r.idempotencyKey(), r.fingerprint(),
                        webhook.id().toString());
                if (!(reserved instanceof IdempotencyStore.Reserved)) {
                    return reserved; // a repeat answers with what it created, full or not
                }
            }
            if (store.count(tx, p.accountId(), p.mode()) >= maxEndpoints) {
                // thrown: the transaction rolls back, and the key's reservation with it (the key is not used up)
                throw new ApiException(ErrorCode.CONFLICT, "this account has " + maxEndpoints + " webhook endpoints in "
                        + p.mode().wire() + " mode, the most it may have; delete one before registering another", null);
            }
            store.insert(tx, webhook);
            Database.afterCommit(tx, "webhooks changed", () -> listener.changed(p.accountId(), p.mode()));
            return webhook;
        });
        if (outcome instanceof Webhook created) {
            return new Created(WebhookView.of(created, true));
        }
        return answer(p, (IdempotencyStore.Outcome) outcome);
    }

    /** A replay answers with the endpoint as it is now, secret included (the current one, if it was rotated). */
    private Result answer(Principal p, IdempotencyStore.Outcome outcome) {
        UUID id = UUID.fromString(IdempotencyStore.replayedId(outcome));
        return new Replayed(WebhookView.of(db.read(h -> store.find(h, p.accountId(), p.mode(), id))
                .orElseThrow(() -> new ApiException(ErrorCode.NOT_FOUND,
                        "the webhook this Idempotency-Key created has been deleted", "Idempotency-Key")), true));
    }

    public PageQuery.Page<WebhookView> list(Principal p, PageQuery page) {
        PageQuery.Page<Webhook> rows = db.read(h -> store.list(h, p.accountId(), p.mode(), page));
        return new PageQuery.Page<>(rows.items().stream().map(w -> WebhookView.of(w, false)).toList(), rows.hasMore(),
                rows.nextBefore());
    }

    public WebhookView get(Principal p, UUID id) {
        return WebhookView.of(db.read(h -> store.require(h, p, id)), false);
    }

    public WebhookView change(Principal p, UUID id, Change change) {
        String url = change.url().map(this::checkedUrl).orElse(null);
        Optional<Optional<List<String>>> events = change.events().map(e -> Optional.ofNullable(checkedEvents(e.orElse(null))));
        return db.write(tx -> {
            Webhook w = store.requireForUpdate(tx, p, id);
            boolean enabled = change.enabled().orElse(w.enabled());
            Webhook changed = new Webhook(w.id(), w.accountId(), w.mode(), url != null ? url : w.url(),
                    events.isPresent() ? events.get().orElse(null) : w.events(), enabled,
                    enabled ? null : change.enabled().isPresent() ? "disabled by request" : w.disabledReason(),
                    w.secret(), w.retiredSecrets(), w.createdAt(), clock.instant());
            store.update(tx, changed);
            Database.afterCommit(tx, "webhooks changed", () -> listener.changed(p.accountId(), p.mode()));
            if (enabled && !w.enabled()) {
                store.resetExhausted(tx, w.id()); // re-enabled: three more exhausted deliveries before it is disabled
            }
            return WebhookView.of(changed, false);
        });
    }

    public void delete(Principal p, UUID id) {
        if (!db.write(tx -> {
            boolean deleted = store.delete(tx, p.accountId(), p.mode(), id);
            if (deleted) {
                listener.removing(tx, id); // its log goes later; its queued jobs find no endpoint and end
                Database.afterCommit(tx, "webhooks changed", () -> listener.changed(p.accountId(), p.mode()));
            }
            return deleted;
        })) {
            throw ApiException.notFound("webhook");
        }
    }

    /**
     * A new secret, returned once; the old one keeps signing next to it for {@link #ROTATION_OVERLAP}, as do the ones
     * earlier rotations retired until their own overlap ends (the newest {@link Webhook#MAX_RETIRED_SECRETS} of them).
     */
    public WebhookView rotateSecret(Principal p, UUID id) {
        Instant now = clock.instant();
        String secret = newSecret();
        return db.write(tx -> {
            Webhook w = store.requireForUpdate(tx, p, id);
            Webhook rotated = w.rotated(secret, now, ROTATION_OVERLAP);
            store.update(tx, rotated);
            return WebhookView.of(rotated, true);
        });
    }

    private String checkedUrl(String url) {
        return switch (guard.check(url)) {
            case UrlGuard.Verdict.Allowed allowed -> allowed.uri().toString();
            case UrlGuard.Verdict.Refused refused -> throw new ApiException(ErrorCode.INVALID_URL, refused.reason(), "url");
            case UrlGuard.Verdict.Unresolved unresolved ->
                    throw new ApiException(ErrorCode.INVALID_URL, unresolved.reason(), "url");
        };
    }

    /** Known event names, without repeats, in the order given; null stays null (every event). */
    private static List<String> checkedEvents(List<String> events) {
        if (events == null) {
            return null;
        }
        if (events.isEmpty()) {
            throw ApiException.invalid("events", "events must name at least one event type; omit it for every event");
        }
        LinkedHashSet<String> known = new LinkedHashSet<>();
        for (String name : events) {
            if (name == null || EventType.fromWire(name).isEmpty()) {
                List<String> all = new ArrayList<>();
                for (EventType type : EventType.values()) {
                    all.add(type.wire());
                }
                throw ApiException.invalid("events", "unknown event type " + (name == null ? "null" : "'" + name + "'")
                        + "; one of " + String.join(", ", all));
            }
            known.add(name);
        }
        return List.copyOf(known);
    }

    private static String newSecret() {
        return "whsec_" + Base64.getEncoder().encodeToString(Secrets.randomBytes(24));
    }
}

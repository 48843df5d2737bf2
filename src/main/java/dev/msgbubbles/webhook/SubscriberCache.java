package dev.msgbubbles.webhook;

import dev.msgbubbles.common.Mode;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Handle;

/**
 * The enabled endpoints of each account and mode, as the fan-out needs them for every transaction that writes
 * events: read from the store at most once per {@link #TTL} (a query per event-writing transaction measurably
 * slowed every send, webhooks or not). Changes made through this process ({@link Webhooks}, an endpoint disabled
 * by the pipeline) invalidate the entry at once; a change made by another process sharing the database is seen
 * within {@link #TTL}: until then an endpoint it created misses events and one it disabled or removed may be
 * owed deliveries, which are dropped when their turn comes.
 *
 * <p>Each copy notes the count of changes made through this process when its read began, and is used only while
 * that count stands: on PostgreSQL an event's transaction reads the endpoints in its own snapshot, so a registration
 * (or an endpoint enabled, or given more event types) committing on another connection meanwhile is missing from
 * what it read, and that copy, stored after the change's invalidation had run, made the account's events miss the
 * endpoint for up to {@link #TTL} after its request had been answered. Any change renews every account's copy:
 * changes are rare, and each copy is read again every {@link #TTL} anyway.
 */
final class SubscriberCache {
    static final Duration TTL = Duration.ofSeconds(1);

    private record Scope(UUID accountId, Mode mode) {
    }

    /** {@code changes}: the count of changes when the read began. */
    private record Entry(List<WebhookStore.Subscriber> subscribers, long loadedAt, long changes) {
    }

    /** Where the endpoints are read: {@link WebhookStore#subscribers} (a test's stand-in otherwise). */
    @FunctionalInterface
    interface Source {
        List<WebhookStore.Subscriber> read(Handle h, UUID accountId, Mode mode);
    }

    private final Source source;
    private final ConcurrentHashMap<Scope, Entry> entries = new ConcurrentHashMap<>();
    /** How many changes this process has made to endpoints ({@link #invalidate}). */
    private final AtomicLong changes = new AtomicLong();

    SubscriberCache() {
        this(new WebhookStore()::subscribers);
    }

    SubscriberCache(Source source) {
        this.source = source;
    }

    List<WebhookStore.Subscriber> get(Handle h, UUID accountId, Mode mode) {
        Scope scope = new Scope(accountId, mode);
        Entry entry = entries.get(scope);
        long now = System.nanoTime();
        long changed = changes.get(); // before the read: a change counted after it may be missing from it
        if (entry == null || now - entry.loadedAt() > TTL.toNanos() || entry.changes() != changed) {
            entry = new Entry(List.copyOf(source.read(h, accountId, mode)), now, changed);
            if (entries.size() > 100_000) {
                entries.clear(); // bounds memory with very many accounts; entries are cheap to read again
            }
            entries.put(scope, entry);
        }
        return entry.subscribers();
    }

    /** After the commit of a change to the endpoints of an account and mode. */
    void invalidate(UUID accountId, Mode mode) {
        changes.incrementAndGet();
        entries.remove(new Scope(accountId, mode));
    }
}

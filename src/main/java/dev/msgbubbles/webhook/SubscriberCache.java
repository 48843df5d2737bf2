package dev.msgbubbles.webhook;

import dev.msgbubbles.common.Mode;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;

/**
 * The enabled endpoints of each account and mode, as the fan-out needs them for every transaction that writes
 * events: read from the store at most once per {@link #TTL} (a query per event-writing transaction measurably
 * slowed every send, webhooks or not). Changes made through this process ({@link Webhooks}, an endpoint disabled
 * by the pipeline) invalidate the entry at once; a change made by another process sharing the database is seen
 * within {@link #TTL}: until then an endpoint it created misses events and one it disabled or removed may be
 * owed deliveries, which are dropped when their turn comes.
 */
final class SubscriberCache {
    static final Duration TTL = Duration.ofSeconds(1);

    private record Scope(UUID accountId, Mode mode) {
    }

    private record Entry(List<WebhookStore.Subscriber> subscribers, long loadedAt) {
    }

    private final WebhookStore store = new WebhookStore();
    private final ConcurrentHashMap<Scope, Entry> entries = new ConcurrentHashMap<>();

    List<WebhookStore.Subscriber> get(Handle h, UUID accountId, Mode mode) {
        Scope scope = new Scope(accountId, mode);
        Entry entry = entries.get(scope);
        long now = System.nanoTime();
        if (entry == null || now - entry.loadedAt() > TTL.toNanos()) {
            entry = new Entry(List.copyOf(store.subscribers(h, accountId, mode)), now);
            if (entries.size() > 100_000) {
                entries.clear(); // bounds memory with very many accounts; entries are cheap to read again
            }
            entries.put(scope, entry);
        }
        return entry.subscribers();
    }

    void invalidate(UUID accountId, Mode mode) {
        entries.remove(new Scope(accountId, mode));
    }
}

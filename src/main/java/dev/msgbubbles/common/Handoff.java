package dev.msgbubbles.common;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Values handed from the code that wrote them to the worker that will act on them in this process, by id, so that the
 * worker need not read back rows written a moment before. Each value is taken at most once. A shortcut, never the
 * record: what is not here (taken by another process, needed again after a restart or a lease ran out, pushed out)
 * is read from the store as before, so a handoff must hold exactly what that read would return.
 * At most {@code capacity} values are held; the oldest make room for newer ones (values whose taker ran in another
 * process are never taken here).
 */
public final class Handoff<V> {
    private final Map<UUID, V> byId;

    public Handoff(int capacity) {
        this.byId = new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<UUID, V> eldest) {
                return size() > capacity;
            }
        };
    }

    public void put(UUID id, V value) {
        synchronized (byId) {
            byId.put(id, value);
        }
    }

    /** The value handed over under {@code id}, removed; null when none is here. */
    public V take(UUID id) {
        synchronized (byId) {
            return byId.remove(id);
        }
    }

    public int size() {
        synchronized (byId) {
            return byId.size();
        }
    }
}

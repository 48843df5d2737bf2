package dev.msgbubbles.webhook;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The {@link Slots} of each endpoint, or of each account and mode, that this process has had attempts for lately.
 * Slots nobody uses are forgotten, so the table holds the keys of recent attempts, not of every key ever seen: at
 * most every {@link #SWEEP}, a {@link #take} looks through the table and retires the slots with nothing in flight or
 * waiting that have not been used for {@link #FORGET_FULL} (a full limit: nothing to remember) or
 * {@link #FORGET_LOWERED} (a limit lowered by hung attempts, kept past an endpoint's first few retries). A retired
 * entry is removed under the map's lock for its key, and gives no slot afterwards ({@link Slots#retireIfIdle}), so a
 * caller that looked it up just before takes from the new entry instead: one key never has two entries giving slots.
 */
final class SlotTable<K> {
    static final Duration SWEEP = Duration.ofMinutes(1);
    static final Duration FORGET_FULL = Duration.ofMinutes(1);
    static final Duration FORGET_LOWERED = Duration.ofHours(1);

    /** What {@link #take} found: {@code slots}, and whether one of them is now the caller's. */
    record Taken(Slots slots, boolean taken) {
    }

    private final int size;
    private final int floor;
    private final LongSupplier nanos;
    private final Slots.Pool lowered;
    private final ConcurrentHashMap<K, Slots> table = new ConcurrentHashMap<>();
    private final AtomicLong nextSweep;

    /** Slots of {@code size} for each key, lowered by hung attempts to {@code floor} at most (see {@link Slots}). */
    SlotTable(int size, int floor, LongSupplier nanos) {
        this(size, floor, nanos, null);
    }

    /** As {@link #SlotTable(int, int, LongSupplier)}, lowered limits sharing {@code lowered} ({@link Slots.Pool}). */
    SlotTable(int size, int floor, LongSupplier nanos, Slots.Pool lowered) {
        this.size = size;
        this.floor = floor;
        this.nanos = nanos;
        this.lowered = lowered;
        this.nextSweep = new AtomicLong(nanos.getAsLong() + SWEEP.toNanos());
    }

    /** A slot of {@code key}'s, as {@link Slots#take} gives it (taken, or busy); give it back to the slots returned. */
    Taken take(K key) {
        sweepIfDue();
        while (true) {
            Slots slots = table.computeIfAbsent(key, k -> new Slots(size, floor, nanos, lowered));
            switch (slots.take()) {
                case TAKEN -> {
                    return new Taken(slots, true);
                }
                case BUSY -> {
                    return new Taken(slots, false);
                }
                case RETIRED -> {
                    // swept between the look-up and the take: the key has new slots, or will at the next look-up
                }
            }
        }
    }

    private void sweepIfDue() {
        long now = nanos.getAsLong();
        long due = nextSweep.get();
        if (now - due < 0 || !nextSweep.compareAndSet(due, now + SWEEP.toNanos())) {
            return; // not yet, or another thread sweeps
        }
        long full = FORGET_FULL.toNanos();
        long lowered = FORGET_LOWERED.toNanos();
        for (K key : table.keySet()) {
            table.computeIfPresent(key, (k, slots) -> slots.retireIfIdle(full, lowered) ? null : slots);
        }
    }

    /** The slots of {@code key}, if the table has them. */
    Slots get(K key) {
        return table.get(key);
    }

    /** How many keys the table holds. */
    int size() {
        return table.size();
    }
}

package dev.msgbubbles.ratelimit;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Spaces events per key evenly, {@code perMinute} a minute (no burst): the first event of a key goes at once,
 * each later one waits for the slot after the previous. Used for per-number sending pace, where bursts are
 * queued rather than refused. In-process: several server processes each pace what they send.
 */
public final class Pacer {
    private final Clock clock;
    /**
     * In nanoseconds: in whole milliseconds, 60,000 / perMinute was rounded down, so every rate that does not divide a
     * minute into whole milliseconds ran fast (45,000 a minute went out at 60,000, 25,000 at 30,000).
     */
    private final long intervalNanos;
    /** Per key, when its next slot is free, in nanoseconds since the epoch (of the clock's milliseconds). */
    private final ConcurrentMap<String, Long> nextFree = new ConcurrentHashMap<>();

    /** {@code perMinute} of 0 means unpaced. */
    public Pacer(Clock clock, int perMinute) {
        this.clock = clock;
        this.intervalNanos = perMinute <= 0 ? 0 : Math.max(1, Duration.ofMinutes(1).toNanos() / perMinute);
    }

    /** Takes the slot for {@code key} and returns {@link Duration#ZERO}, or returns how long until it is free. */
    public Duration acquire(String key) {
        if (intervalNanos == 0) {
            return Duration.ZERO;
        }
        long now = clock.millis() * 1_000_000L;
        long[] wait = new long[1];
        nextFree.compute(key, (k, next) -> {
            if (next == null || next <= now) {
                wait[0] = 0;
                return now + intervalNanos;
            }
            // a slot is taken at most one interval ahead of the clock: further ahead, the wall clock stepped back
            // (an NTP correction, a resumed VM) since it was taken, and the number would sit out the whole step
            long ahead = Math.min(next - now, intervalNanos);
            wait[0] = ahead;
            return now + ahead;
        });
        return Duration.ofNanos(wait[0]);
    }
}

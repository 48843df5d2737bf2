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
    private final long intervalMillis;
    private final ConcurrentMap<String, Long> nextFree = new ConcurrentHashMap<>();

    /** {@code perMinute} of 0 means unpaced. */
    public Pacer(Clock clock, int perMinute) {
        this.clock = clock;
        this.intervalMillis = perMinute <= 0 ? 0 : Math.max(1, 60_000L / perMinute);
    }

    /** Takes the slot for {@code key} and returns {@link Duration#ZERO}, or returns how long until it is free. */
    public Duration acquire(String key) {
        if (intervalMillis == 0) {
            return Duration.ZERO;
        }
        long now = clock.millis();
        long[] wait = new long[1];
        nextFree.compute(key, (k, next) -> {
            if (next == null || next <= now) {
                wait[0] = 0;
                return now + intervalMillis;
            }
            wait[0] = next - now;
            return next;
        });
        return Duration.ofMillis(wait[0]);
    }
}

package dev.msgbubbles.common;

import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * An injected clock's time, in nanoseconds, made monotonic: a step back of the wall clock (an NTP correction, a resumed
 * VM) is absorbed, and time goes on from where it was at the clock's rate. For whatever times entries or budgets off
 * the clock (tests drive it with a manual one): read straight from the clock, a cache entry made before a step back of
 * an hour lived that hour more, and a rate limiter refilled nothing for it. The time between a step and the next read
 * is not counted (on a busy server a moment).
 */
public final class SteadyTime {
    private final Clock clock;
    private long offset;
    private long last = Long.MIN_VALUE;

    public SteadyTime(Clock clock) {
        this.clock = clock;
    }

    public synchronized long nanos() {
        long now = TimeUnit.MILLISECONDS.toNanos(clock.millis()) + offset;
        if (now < last) {
            offset += last - now;
            now = last;
        }
        last = now;
        return now;
    }
}

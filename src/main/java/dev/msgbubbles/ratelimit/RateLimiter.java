package dev.msgbubbles.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A token bucket per caller: capacity {@code perMinute}, refilled evenly over a minute (so a burst of the
 * full budget is allowed, then one request every {@code 60/perMinute} seconds). Idle buckets are forgotten
 * after ten minutes, when they would be full anyway.
 */
public final class RateLimiter {

    /**
     * The verdict for one request. {@code resetSeconds}: until the bucket is full again;
     * {@code retryAfterSeconds}: until the next request would be allowed (0 when allowed).
     */
    public record Decision(boolean allowed, long limit, long remaining, long resetSeconds, long retryAfterSeconds) {
    }

    private final int perMinute;
    private final TimeMeter time;
    private final Cache<String, Bucket> buckets;

    /**
     * The injected clock's time made monotonic: a step back of the wall clock (an NTP correction, a resumed VM) is
     * absorbed, and time goes on from where it was at the clock's rate. Bucket4j refills nothing until its time passes
     * the last refill again, so a step back of an hour left every caller that had spent its budget refused for that
     * hour, told each time to retry after a few seconds. (The time between the step and the next request, of any caller,
     * is not counted: on a busy server a moment.)
     */
    private static final class MonotonicTime {
        private final Clock clock;
        private long offset;
        private long last = Long.MIN_VALUE;

        MonotonicTime(Clock clock) {
            this.clock = clock;
        }

        synchronized long nanos() {
            long now = TimeUnit.MILLISECONDS.toNanos(clock.millis()) + offset;
            if (now < last) {
                offset += last - now;
                now = last;
            }
            last = now;
            return now;
        }
    }

    public RateLimiter(Clock clock, int perMinute) {
        this.perMinute = perMinute;
        MonotonicTime monotonic = new MonotonicTime(clock);
        this.time = new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return monotonic.nanos();
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
        this.buckets = Caffeine.newBuilder()
                .expireAfterAccess(Duration.ofMinutes(10))
                .ticker(monotonic::nanos)
                .maximumSize(1_000_000)
                // the cache's upkeep (draining its record of reads, expiring) runs on the request thread that triggers
                // it: by default it is handed to the common pool, and under the send load that hand-over, which wakes
                // a pool thread, was 2.9 % of the request threads' wall-clock time (every request reads the same key)
                .executor(Runnable::run)
                .build();
    }

    /** Takes one token from {@code caller}'s bucket if there is one. */
    public Decision tryAcquire(String caller) {
        Bucket bucket = buckets.get(caller, ignored -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)).build())
                .withCustomTimePrecision(time)
                .build());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        long remaining = probe.getRemainingTokens();
        long nanosPerToken = Duration.ofMinutes(1).toNanos() / perMinute;
        long resetNanos = (perMinute - remaining) * nanosPerToken;
        return new Decision(probe.isConsumed(), perMinute, remaining, ceilSeconds(resetNanos),
                probe.isConsumed() ? 0 : Math.max(1, ceilSeconds(probe.getNanosToWaitForRefill())));
    }

    private static long ceilSeconds(long nanos) {
        return (nanos + 999_999_999L) / 1_000_000_000L;
    }
}

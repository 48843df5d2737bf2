package dev.msgbubbles.account;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The caches of what the admin CLI may change beneath a running server (keys, accounts, numbers): each entry lives
 * {@code ttl} by the injected clock, so a change reaches every server within that time; at most 100,000 entries; the
 * upkeep runs on the reading thread, not handed to the common pool (see RateLimiter).
 */
final class ShortLived {
    private ShortLived() {
    }

    static <K, V> Cache<K, V> cache(Clock clock, Duration ttl) {
        return Caffeine.newBuilder()
                .expireAfterWrite(ttl)
                .maximumSize(100_000)
                .ticker(new SteadyTicker(clock))
                .executor(Runnable::run)
                .build();
    }

    /**
     * The injected clock's time made monotonic, as the rate limiter's is: a step back of the wall clock (an NTP
     * correction, a resumed VM) is absorbed and time goes on from where it was. Read straight from the clock, an entry
     * cached before a step back of an hour lived that hour more, so a key revoked or an account suspended meanwhile
     * kept working for it instead of for the {@code ttl} the README promises.
     */
    private static final class SteadyTicker implements Ticker {
        private final Clock clock;
        private long offset;
        private long last = Long.MIN_VALUE;

        SteadyTicker(Clock clock) {
            this.clock = clock;
        }

        @Override
        public synchronized long read() {
            long now = TimeUnit.MILLISECONDS.toNanos(clock.millis()) + offset;
            if (now < last) {
                offset += last - now;
                now = last;
            }
            last = now;
            return now;
        }
    }
}

package dev.msgbubbles.account;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.msgbubbles.common.SteadyTime;
import java.time.Clock;
import java.time.Duration;

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
                .ticker(new SteadyTime(clock)::nanos) // a step back of the clock must not lengthen an entry's life
                .executor(Runnable::run)
                .build();
    }
}

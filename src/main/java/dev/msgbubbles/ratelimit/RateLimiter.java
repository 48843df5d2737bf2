package dev.msgbubbles.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.msgbubbles.common.SteadyTime;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.TimeMeter;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;

/**
 * A token bucket per caller: capacity {@code perMinute}, refilled evenly over a minute (so a burst of the
 * full budget is allowed, then one request every {@code 60/perMinute} seconds). Idle buckets are forgotten
 * after ten minutes, when they would be full anyway.
 *
 * <p>API keys and client addresses (charged for failed authentications) have buckets in separate caches, each
 * bounded on its own: addresses cost nothing to make up (an IPv6 range), and in one shared cache a flood of them
 * evicted keys' buckets, handing those keys a fresh budget. Now a flood of addresses evicts only other addresses'
 * buckets, and its memory is bounded by the much smaller {@link #MAX_ADDRESSES}. An IPv6 address is charged as its
 * /64, the block one subscriber or site is normally given, so one host cannot take a new budget per address.
 */
public final class RateLimiter {

    /**
     * The verdict for one request. {@code resetSeconds}: until the bucket is full again;
     * {@code retryAfterSeconds}: until the next request would be allowed (0 when allowed).
     */
    public record Decision(boolean allowed, long limit, long remaining, long resetSeconds, long retryAfterSeconds) {
    }

    /** Key buckets kept at most: far more keys than any deployment has in use within ten minutes. */
    static final int MAX_KEYS = 1_000_000;
    /** Address buckets kept at most (a bucket and its entry are some 300 bytes: about 30 MB at most). */
    static final int MAX_ADDRESSES = 100_000;

    private final int perMinute;
    private final TimeMeter time;
    private final Cache<UUID, Bucket> keys;
    private final Cache<String, Bucket> addresses;

    public RateLimiter(Clock clock, int perMinute) {
        this(clock, perMinute, MAX_KEYS, MAX_ADDRESSES);
    }

    /** With smaller caches, for tests that fill them. */
    RateLimiter(Clock clock, int perMinute, int maxKeys, int maxAddresses) {
        this.perMinute = perMinute;
        // monotonic: Bucket4j refills nothing until its time passes the last refill again, so read straight from the
        // clock a step back of an hour left every caller that had spent its budget refused for that hour
        SteadyTime monotonic = new SteadyTime(clock);
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
        this.keys = buckets(monotonic, maxKeys);
        this.addresses = buckets(monotonic, maxAddresses);
    }

    private static <K> Cache<K, Bucket> buckets(SteadyTime monotonic, int maximumSize) {
        return Caffeine.newBuilder()
                .expireAfterAccess(Duration.ofMinutes(10))
                .ticker(monotonic::nanos)
                .maximumSize(maximumSize)
                // the cache's upkeep (draining its record of reads, expiring) runs on the request thread that triggers
                // it: by default it is handed to the common pool, and under the send load that hand-over, which wakes
                // a pool thread, was 2.9 % of the request threads' wall-clock time (every request reads the same key)
                .executor(Runnable::run)
                .<K, Bucket>build();
    }

    /** Takes one token from the API key {@code keyId}'s bucket if there is one. */
    public Decision chargeKey(UUID keyId) {
        return take(keys.get(keyId, ignored -> newBucket()));
    }

    /**
     * Takes one token from the bucket of the client {@code address} (its /64 for IPv6; {@code null}, an address
     * unknown, shares one bucket) if there is one.
     */
    public Decision chargeAddress(InetAddress address) {
        return take(addresses.get(addressKey(address), ignored -> newBucket()));
    }

    /**
     * Whether the client {@code address} has a token left, taking none: asked before a key from it is looked up, so
     * that an address over its budget of failed authentications is refused without the lookup. {@code allowed} false
     * means over budget, with the headers' figures and the wait as {@link #chargeAddress} would give them.
     */
    public Decision peekAddress(InetAddress address) {
        Bucket bucket = addresses.getIfPresent(addressKey(address));
        if (bucket == null) {
            return new Decision(true, perMinute, perMinute, 0, 0);
        }
        EstimationProbe probe = bucket.estimateAbilityToConsume(1);
        long remaining = probe.getRemainingTokens();
        return new Decision(probe.canBeConsumed(), perMinute, remaining, resetSeconds(remaining),
                probe.canBeConsumed() ? 0 : Math.max(1, ceilSeconds(probe.getNanosToWaitForRefill())));
    }

    /** The bucket an address is charged to: IPv4 whole, IPv6 by its first 64 bits. */
    static String addressKey(InetAddress address) {
        if (address == null) {
            return "unknown";
        }
        if (address instanceof Inet6Address) {
            byte[] bytes = address.getAddress();
            StringBuilder key = new StringBuilder(24);
            for (int i = 0; i < 8; i += 2) {
                key.append(Integer.toHexString(((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff))).append(':');
            }
            return key.append(":/64").toString();
        }
        return address.getHostAddress();
    }

    private Bucket newBucket() {
        return Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)).build())
                .withCustomTimePrecision(time)
                .build();
    }

    private Decision take(Bucket bucket) {
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        long remaining = probe.getRemainingTokens();
        return new Decision(probe.isConsumed(), perMinute, remaining, resetSeconds(remaining),
                probe.isConsumed() ? 0 : Math.max(1, ceilSeconds(probe.getNanosToWaitForRefill())));
    }

    private long resetSeconds(long remaining) {
        long nanosPerToken = Duration.ofMinutes(1).toNanos() / perMinute;
        return ceilSeconds((perMinute - remaining) * nanosPerToken);
    }

    private static long ceilSeconds(long nanos) {
        return (nanos + 999_999_999L) / 1_000_000_000L;
    }
}

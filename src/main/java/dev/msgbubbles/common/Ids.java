package dev.msgbubbles.common;

import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Identifier generation. Resource ids are time-ordered UUIDv7 (RFC 9562): the first 48 bits are the
 * Unix time in milliseconds, so new rows land at the right-hand edge of B-tree indexes. The random part
 * comes from {@link ThreadLocalRandom}: ids must be unique, not secret (keys and secrets use
 * {@link Secrets}).
 */
public final class Ids {
    private static final char[] BASE62 =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

    private Ids() {
    }

    /** A version-7 UUID stamped with {@code clock}'s current millisecond. */
    public static UUID uuidV7(Clock clock) {
        long millis = clock.millis();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long msb = (millis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }

    /** A request id: {@code req_} followed by 20 base62 characters. */
    public static String requestId() {
        return "req_" + base62(20, ThreadLocalRandom.current());
    }

    static String base62(int length, java.util.random.RandomGenerator random) {
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = BASE62[random.nextInt(BASE62.length)];
        }
        return new String(chars);
    }
}

package dev.msgbubbles.common;

import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Identifier generation. Resource ids are time-ordered UUIDv7 (RFC 9562): the first 48 bits are the
 * Unix time in milliseconds, so new rows land at the right-hand edge of B-tree indexes. Within one millisecond
 * the 12-bit {@code rand_a} field is a counter (RFC 9562 §6.2, method 1), so ids made by this process in the
 * same millisecond still sort in creation order; newest-first lists rely on that. The rest is random from
 * {@link ThreadLocalRandom}: ids must be unique, not secret (keys and secrets use {@link Secrets}).
 */
public final class Ids {
    private static final char[] BASE62 =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

    private Ids() {
    }

    /** An id as the API writes it: 8-4-4-4-12 hexadecimal digits (either case). */
    private static final java.util.regex.Pattern CANONICAL =
            java.util.regex.Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    /**
     * An id a client sent (a path segment, a query parameter), in the canonical form only. {@link UUID#fromString}
     * also reads groups of other lengths ({@code 1a25039-09740-…} as {@code 01a25039-9740-…}), so one resource would
     * answer under many spellings of its id; bodies are read strictly (by Jackson) already.
     */
    public static java.util.Optional<UUID> parse(String text) {
        return text != null && CANONICAL.matcher(text).matches() ? java.util.Optional.of(UUID.fromString(text))
                : java.util.Optional.empty();
    }

    /** How far ids may run ahead of the clock when more than 4096 are made in one millisecond. */
    private static final long MAX_BORROW_MILLIS = 10;
    /** The last (millisecond << 12 | counter) handed out. */
    private static final java.util.concurrent.atomic.AtomicLong LAST = new java.util.concurrent.atomic.AtomicLong();

    /** A version-7 UUID stamped with {@code clock}'s current millisecond. */
    public static UUID uuidV7(Clock clock) {
        long millis = clock.millis();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long stamp = LAST.updateAndGet(last -> {
            long lastMillis = last >>> 12;
            if (lastMillis >= millis && lastMillis - millis <= MAX_BORROW_MILLIS) {
                return last + 1; // same millisecond: count; a full counter carries into the next millisecond
            }
            return (millis << 12) | random.nextLong(0x800L); // fresh millisecond: start low, leave room to count
        });
        long msb = ((stamp >>> 12) << 16) | 0x7000L | (stamp & 0x0FFFL);
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }

    /**
     * An event id: {@code evt_}, the event's time as 9 lower-case base-36 digits (so ids sort by time in any
     * collation, and each new id lands at the right edge of the unique index instead of on a random page: random
     * ids rewrote one index page per event), then 15 random base62 characters (≈89 bits). Public and unique, not
     * secret, so the random part need not come from (and contend on) the secure random source.
     */
    public static String eventId(long epochMillis) {
        String time = Long.toString(Math.max(epochMillis, 0), 36);
        StringBuilder id = new StringBuilder(28).append("evt_");
        for (int pad = time.length(); pad < 9; pad++) {
            id.append('0');
        }
        return id.append(time).append(base62(15, ThreadLocalRandom.current())).toString();
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

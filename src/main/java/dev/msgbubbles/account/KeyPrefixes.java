package dev.msgbubbles.account;

import dev.msgbubbles.db.Database;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;

/**
 * The public prefixes of the keys not revoked, for telling a key that may be real from a guess without looking it up
 * (see {@link Authenticator}). Read whole from the database when asked and older than {@code maxAge} (time from the
 * injected clock), so at most once per {@code maxAge}, and only while an address over its budget presents keys the
 * authenticator has not cached: never on the common path. Some 60 bytes a key.
 */
final class KeyPrefixes {
    private final Database db;
    private final Clock clock;
    private final long maxAgeMillis;
    private final ApiKeyStore keys = new ApiKeyStore();
    private Set<String> prefixes = Set.of();
    private long readAt;
    private boolean read;

    KeyPrefixes(Database db, Clock clock, Duration maxAge) {
        this.db = db;
        this.clock = clock;
        this.maxAgeMillis = maxAge.toMillis();
    }

    /** Whether a key not revoked has {@code prefix}, as of at most {@code maxAge} ago. */
    synchronized boolean contains(String prefix) {
        long now = clock.millis();
        if (!read || now - readAt >= maxAgeMillis || now < readAt) {
            prefixes = db.read(keys::activePrefixes);
            readAt = now;
            read = true;
        }
        return prefixes.contains(prefix);
    }
}

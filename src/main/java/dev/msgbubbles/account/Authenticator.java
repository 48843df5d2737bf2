package dev.msgbubbles.account;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.msgbubbles.common.ErrorCode;
import dev.msgbubbles.common.Secrets;
import dev.msgbubbles.db.Database;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Turns an {@code Authorization} header into a {@link Principal}. The key's public prefix finds its row; the
 * stored SHA-256 is compared in constant time. Lookups are cached for {@link #CACHE_TTL} (time taken from the
 * injected clock), so a revocation or suspension made with {@code admin} takes effect within that time.
 */
public final class Authenticator {
    public static final Duration CACHE_TTL = Duration.ofSeconds(2);
    private static final int MAX_HEADER = 512;

    /** The outcome of presenting a key. */
    public sealed interface Result {
        record Authenticated(Principal principal) implements Result {
        }

        /** 401 for bad keys, 403 for a suspended account; {@code message} is safe to return. */
        record Rejected(ErrorCode code, String message) implements Result {
        }
    }

    private final Database db;
    private final ApiKeyStore keys = new ApiKeyStore();
    private final Cache<String, List<ApiKeyStore.KeyRow>> cache;

    public Authenticator(Database db, Clock clock) {
        this.db = db;
        this.cache = Caffeine.newBuilder()
                .expireAfterWrite(CACHE_TTL)
                .maximumSize(100_000)
                .ticker(() -> clock.millis() * 1_000_000L)
                .executor(Runnable::run) // upkeep on the reading thread, not handed to the common pool (see RateLimiter)
                .build();
    }

    public Result authenticate(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            return unauthorized("missing API key: send 'Authorization: Bearer sk_live_…' or sk_test_…");
        }
        if (authorization.length() > MAX_HEADER || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return unauthorized("malformed Authorization header: expected 'Bearer <key>'");
        }
        String key = authorization.substring(7).strip();
        if (ApiKeyFormat.modeOf(key).isEmpty()) {
            return unauthorized("malformed API key: expected sk_live_… or sk_test_…");
        }
        String hash = Secrets.sha256Hex(key);
        List<ApiKeyStore.KeyRow> rows = cache.get(ApiKeyFormat.prefix(key) + ":" + hash,
                ignored -> db.read(h -> keys.findByPrefix(h, ApiKeyFormat.prefix(key))));
        Optional<ApiKeyStore.KeyRow> match = rows.stream()
                .filter(row -> Secrets.constantTimeEquals(row.secretHash(), hash))
                .findFirst();
        if (match.isEmpty()) {
            return unauthorized("unknown API key");
        }
        ApiKeyStore.KeyRow row = match.get();
        if (row.revoked()) {
            return unauthorized("this API key has been revoked");
        }
        if (row.accountStatus() != Account.Status.ACTIVE) {
            return new Result.Rejected(ErrorCode.FORBIDDEN, "this account is suspended");
        }
        return new Result.Authenticated(new Principal(row.accountId(), row.mode(), row.id()));
    }

    private static Result unauthorized(String message) {
        return new Result.Rejected(ErrorCode.UNAUTHORIZED, message);
    }
}

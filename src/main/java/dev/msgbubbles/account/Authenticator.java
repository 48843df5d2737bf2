package dev.msgbubbles.account;

import com.github.benmanes.caffeine.cache.Cache;
import dev.msgbubbles.common.ErrorCode;
import dev.msgbubbles.common.Secrets;
import dev.msgbubbles.db.Database;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * Turns an {@code Authorization} header into a {@link Principal}. The key's public prefix finds its row; the
 * stored SHA-256 is compared in constant time. Lookups are cached for {@link #CACHE_TTL} (time taken from the
 * injected clock), so a revocation or suspension made with {@code admin} takes effect within that time.
 *
 * <p>A caller may hold back the database lookup ({@link #authenticate(String, BooleanSupplier)}): the rate limiter
 * does, for an address that has spent its budget of failed authentications, so that a key guesser over its budget
 * costs no lookup. A key whose public prefix is that of a key not revoked ({@link KeyPrefixes}, read at most once per
 * {@link #CACHE_TTL}) is looked up whatever the caller says, so a client whose address a neighbour (behind the same
 * NAT, in the same /64) spends on guesses keeps working on its own key's budget; a guess hits a real prefix (8 random
 * base62 characters) once in some 2 × 10^14 tries per key, unless the guesser knows one (prefixes are shown, as in {@code admin key revoke}), and then its
 * guesses are looked up and charged as before. A key created within the last {@link #CACHE_TTL}, presented from such
 * an address, may wait that long, as a revocation may take that long to count.
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

        /** The key was not looked up: the caller's gate refused the lookup (an address over its budget). */
        record NotLookedUp() implements Result {
        }
    }

    private static final BooleanSupplier ALWAYS = () -> true;

    private final Database db;
    private final ApiKeyStore keys = new ApiKeyStore();
    private final Cache<String, List<ApiKeyStore.KeyRow>> cache;
    private final KeyPrefixes prefixes;
    /** Whether a key, by id, still authenticates: for requests that outlive their authentication (event streams). */
    private final Cache<UUID, Boolean> standing;

    public Authenticator(Database db, Clock clock) {
        this.db = db;
        this.cache = ShortLived.cache(clock, CACHE_TTL);
        this.prefixes = new KeyPrefixes(db, clock, CACHE_TTL);
        this.standing = ShortLived.cache(clock, CACHE_TTL);
    }

    public Result authenticate(String authorization) {
        return authenticate(authorization, ALWAYS);
    }

    /**
     * As {@link #authenticate(String)}, but a key that would need a database lookup (not in the cache) is looked up
     * only if {@code mayLookUp} says so or its prefix is a real key's, else the answer is {@link Result.NotLookedUp}.
     * {@code mayLookUp} is not asked on the common path (a key in the cache).
     */
    public Result authenticate(String authorization, BooleanSupplier mayLookUp) {
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
        String cacheKey = ApiKeyFormat.prefix(key) + ":" + hash;
        List<ApiKeyStore.KeyRow> rows = cache.getIfPresent(cacheKey);
        if (rows == null) {
            if (!mayLookUp.getAsBoolean() && !prefixes.contains(ApiKeyFormat.prefix(key))) {
                return new Result.NotLookedUp();
            }
            rows = cache.get(cacheKey, ignored -> db.read(h -> keys.findByPrefix(h, ApiKeyFormat.prefix(key))));
        }
        return judge(rows, hash);
    }

    /**
     * Whether the key {@code principal} authenticated with is still good: not revoked, its account not suspended. A
     * request that goes on after its authentication (an event stream) asks before it sends more; like
     * {@link #authenticate}, the answer may be up to {@link #CACHE_TTL} old.
     */
    public boolean stillValid(Principal principal) {
        return standing.get(principal.keyId(), id -> db.read(h -> keys.findById(h, id))
                .map(row -> !row.revoked() && row.accountStatus() == Account.Status.ACTIVE).orElse(false));
    }

    private static Result judge(List<ApiKeyStore.KeyRow> rows, String hash) {
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

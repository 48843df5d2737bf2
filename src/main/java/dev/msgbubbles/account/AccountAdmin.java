package dev.msgbubbles.account;

import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ErrorCode;
import dev.msgbubbles.common.Ids;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.common.Secrets;
import dev.msgbubbles.db.Database;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Account and key administration ({@code ./msgbubbles admin account …} and {@code admin key …}). Refusals
 * are {@link ApiException}s whose message is fit to print.
 */
public final class AccountAdmin {
    private static final int MAX_NAME = 100;

    private final Database db;
    private final Clock clock;
    private final AccountStore accounts = new AccountStore();
    private final ApiKeyStore keys = new ApiKeyStore();

    public AccountAdmin(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Creates an account with one test and one live key, atomically. */
    public CreatedAccount create(String name) {
        String trimmed = name == null ? "" : name.strip();
        if (trimmed.isEmpty() || trimmed.length() > MAX_NAME || trimmed.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.invalid("name", "account name must be 1-" + MAX_NAME + " printable characters");
        }
        CreatedAccount created = db.write(h -> createIn(h, trimmed));
        if (created == null) {
            throw new ApiException(ErrorCode.CONFLICT, "an account named '" + trimmed + "' already exists");
        }
        return created;
    }

    /** Creates the account in the caller's transaction; null when the name is taken. */
    CreatedAccount createIn(Handle h, String name) {
        Instant now = clock.instant();
        UUID id = Ids.uuidV7(clock);
        if (!accounts.insert(h, id, name, now)) {
            return null;
        }
        IssuedKey test = issueIn(h, id, Mode.TEST, now);
        IssuedKey live = issueIn(h, id, Mode.LIVE, now);
        return new CreatedAccount(new Account(id, name, Account.Status.ACTIVE, now), test, live);
    }

    public Account setStatus(UUID accountId, Account.Status status) {
        return db.write(h -> {
            if (!accounts.setStatus(h, accountId, status, clock.instant())) {
                throw ApiException.notFound("account " + accountId);
            }
            return accounts.find(h, accountId).orElseThrow();
        });
    }

    public List<Account> list() {
        return db.read(accounts::list);
    }

    public IssuedKey issueKey(UUID accountId, Mode mode) {
        return db.write(h -> {
            accounts.find(h, accountId).orElseThrow(() -> ApiException.notFound("account " + accountId));
            return issueIn(h, accountId, mode, clock.instant());
        });
    }

    /**
     * Revokes the key given in full or by its 16-character public prefix ({@code sk_test_XXXXXXXX}).
     * Returns the revoked key's prefix.
     */
    public String revoke(String keyOrPrefix) {
        String text = keyOrPrefix == null ? "" : keyOrPrefix.strip();
        boolean fullKey = ApiKeyFormat.isKey(text);
        if (!fullKey && !ApiKeyFormat.isPrefix(text)) {
            throw ApiException.invalid("key", "expected a full key or its 16-character prefix (sk_test_XXXXXXXX)");
        }
        return db.write(h -> {
            var candidates = keys.findByPrefix(h, ApiKeyFormat.prefix(text)).stream()
                    .filter(k -> !fullKey || Secrets.constantTimeEquals(k.secretHash(), Secrets.sha256Hex(text)))
                    .toList();
            if (candidates.isEmpty()) {
                throw ApiException.notFound("key " + ApiKeyFormat.prefix(text) + "…");
            }
            if (candidates.size() > 1) {
                throw new ApiException(ErrorCode.CONFLICT, "several keys share that prefix; give the full key");
            }
            var key = candidates.getFirst();
            if (!keys.revoke(h, key.id(), clock.instant())) {
                throw new ApiException(ErrorCode.CONFLICT, "key " + key.prefix() + "… is already revoked");
            }
            return key.prefix();
        });
    }

    private IssuedKey issueIn(Handle h, UUID accountId, Mode mode, Instant now) {
        String key = ApiKeyFormat.generate(mode);
        UUID id = Ids.uuidV7(clock);
        keys.insert(h, id, accountId, mode, key, now);
        return new IssuedKey(id, accountId, mode, key, ApiKeyFormat.prefix(key));
    }
}

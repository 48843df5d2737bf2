package dev.msgbubbles.account;

import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.ErrorCode;
import dev.msgbubbles.common.Handle;
import dev.msgbubbles.common.Ids;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The numbers accounts send from. A handle belongs to at most one account (inbound traffic must map to
 * exactly one owner). Test-mode numbers are always carried by the sandbox network.
 */
public final class NumberDirectory {
    private static final int MAX_LABEL = 100;

    /** What {@code admin number add} asks for. {@code label} may be null. */
    public record NewNumber(UUID accountId, String handle, Set<ChannelType> channels, Mode mode, Provider provider,
                            String label) {
    }

    /** How long a looked-up number is reused: status and ownership changes made elsewhere show within this. */
    public static final java.time.Duration CACHE_TTL = java.time.Duration.ofSeconds(2);

    private final Database db;
    private final Clock clock;
    private final AccountNumber.StatusListener listener;
    private final AccountStore accounts = new AccountStore();
    private final NumberStore numbers = new NumberStore();
    private final com.github.benmanes.caffeine.cache.Cache<String, java.util.Optional<AccountNumber>> byHandle;
    private final com.github.benmanes.caffeine.cache.Cache<UUID, Boolean> active;

    /** A directory whose status changes nobody is told of (tests, and reads). */
    public NumberDirectory(Database db, Clock clock) {
        this(db, clock, AccountNumber.StatusListener.NONE);
    }

    /** {@code listener} is told of each status change in its transaction (the composition root appends the event). */
    public NumberDirectory(Database db, Clock clock, AccountNumber.StatusListener listener) {
        this.db = db;
        this.clock = clock;
        this.listener = listener;
        this.byHandle = ShortLived.cache(clock, CACHE_TTL);
        this.active = ShortLived.cache(clock, CACHE_TTL);
    }

    /**
     * Whether {@code accountId}'s numbers may send: the account exists and is not suspended. Read by every send job
     * beside {@link #owned}, and cached as long: an account suspended with {@code admin} stops sending within
     * {@link #CACHE_TTL}, as its keys are refused.
     */
    public boolean accountActive(UUID accountId) {
        return active.get(accountId, id -> db.read(h -> accounts.find(h, id))
                .map(a -> a.status() == Account.Status.ACTIVE).orElse(false));
    }

    /**
     * The number {@code handle} if it belongs to this account in this mode. Read on every send and every send
     * job, so lookups are cached for {@link #CACHE_TTL} (time from the injected clock): a number set offline
     * with {@code admin} holds its sends within that time.
     */
    public java.util.Optional<AccountNumber> owned(UUID accountId, Mode mode, String handle) {
        return byHandle.get(handle, h -> db.read(tx -> numbers.findByHandle(tx, h)))
                .filter(n -> n.accountId().equals(accountId) && n.mode() == mode);
    }

    public List<AccountNumber> list(Principal principal) {
        return db.read(h -> numbers.list(h, principal.accountId(), principal.mode()));
    }

    public AccountNumber add(NewNumber request) {
        AccountNumber number = validate(request);
        return db.write(h -> {
            accounts.find(h, request.accountId())
                    .orElseThrow(() -> ApiException.notFound("account " + request.accountId()));
            if (!numbers.insert(h, number)) {
                throw new ApiException(ErrorCode.CONFLICT, "number " + number.handle() + " is already assigned");
            }
            byHandle.invalidate(number.handle());
            return number;
        });
    }

    /** Inserts the number in the caller's transaction (bootstrap); false when the handle is taken. */
    boolean addIn(org.jdbi.v3.core.Handle h, AccountNumber number) {
        return numbers.insert(h, number);
    }

    public AccountNumber setStatus(String handle, AccountNumber.Status status) {
        String canonical = Handle.parsePhone(handle)
                .orElseThrow(() -> new ApiException(ErrorCode.INVALID_HANDLE, "handle must be an E.164 number", "handle"))
                .value();
        return db.write(h -> {
            AccountNumber found = numbers.findByHandle(h, canonical)
                    .orElseThrow(() -> ApiException.notFound("number " + canonical));
            AccountNumber after = found.withStatus(status);
            Instant now = clock.instant();
            // the update changes only a status that differs, so of two concurrent changes to the same status one
            // alone is a change (PostgreSQL re-checks the row once the first commits): no change, no event
            if (numbers.setStatus(h, canonical, status, now)) {
                byHandle.invalidate(canonical);
                listener.changed(h, after, now);
            }
            return after;
        });
    }

    AccountNumber validate(NewNumber request) {
        String handle = Handle.parsePhone(request.handle())
                .orElseThrow(() -> new ApiException(ErrorCode.INVALID_HANDLE,
                        "handle must be an E.164 number such as +18005550100", "handle"))
                .value();
        if (request.channels() == null || request.channels().isEmpty()) {
            throw ApiException.invalid("channels", "a number serves at least one channel");
        }
        if (request.mode() == Mode.TEST && request.provider() != Provider.SANDBOX) {
            throw ApiException.invalid("provider", "test-mode numbers always use the sandbox provider");
        }
        String label = request.label() == null ? null : request.label().strip();
        if (label != null && (label.length() > MAX_LABEL || label.chars().anyMatch(Character::isISOControl))) {
            throw ApiException.invalid("label", "label must be at most " + MAX_LABEL + " printable characters");
        }
        Instant now = clock.instant();
        return new AccountNumber(Ids.uuidV7(clock), request.accountId(), request.mode(), handle,
                List.copyOf(EnumSet.copyOf(request.channels())), label, AccountNumber.Status.ONLINE,
                request.provider(), now);
    }
}

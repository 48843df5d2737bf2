package dev.msgbubbles.idempotency;

import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ErrorCode;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.common.Secrets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Remembers which resource a client's {@code Idempotency-Key} created, per (account, mode, endpoint), for the
 * configured retention.
 *
 * <p>Use: inside the transaction that creates the resource, call {@link #reserve} first. {@link Reserved}
 * means go on and create the resource with the id you passed; anything else means create nothing and answer
 * from the outcome (replay the recorded resource, or 409 for a different body). Because the reservation
 * commits or rolls back with the resource, a failed or invalid request never consumes its key.
 *
 * <p>Concurrency: two transactions reserving one key race on the primary key. On PostgreSQL the second
 * insert waits for the first transaction and then sees its row (or takes the key if it rolled back); on
 * SQLite writers are serialised. Either way exactly one resource is created and the others replay it.
 */
public final class IdempotencyStore {

    /** Where a key is valid: keys of different accounts, modes or endpoints never collide. */
    public record Scope(UUID accountId, Mode mode, String endpoint) {
    }

    /** The outcome of {@link #reserve}. */
    public sealed interface Outcome {
    }

    /** The key is now bound to the new resource; create it in this transaction. */
    public record Reserved() implements Outcome {
    }

    /** The key was used before with the same request: answer with this resource, 200. */
    public record Replay(String resourceId) implements Outcome {
    }

    /** The key was used before with a different request body: 409 {@code idempotency_key_reused}. */
    public record Mismatch() implements Outcome {
    }

    /**
     * The answer to a repeated key, for a creating endpoint: the id of the resource the key created before (answer
     * it with 200), or the documented 409 {@code idempotency_key_reused} when the body differs.
     */
    public static String replayedId(Outcome outcome) {
        return switch (outcome) {
            case Replay replay -> replay.resourceId();
            case Mismatch ignored -> throw new ApiException(ErrorCode.IDEMPOTENCY_KEY_REUSED,
                    "this Idempotency-Key was used with a different request body", "Idempotency-Key");
            case Reserved ignored -> throw new IllegalStateException("reserved keys are not answers");
        };
    }

    private final Clock clock;
    private final Duration retention;

    public IdempotencyStore(Clock clock, Duration retention) {
        this.clock = clock;
        this.retention = retention;
    }

    /**
     * Binds {@code key} to {@code resourceId} unless a live binding exists. {@code fingerprint} identifies the
     * request (a hash of its canonical body); an expired binding is replaced.
     */
    public Outcome reserve(Handle h, Scope scope, String key, String fingerprint, String resourceId) {
        Instant now = clock.instant();
        Optional<String> won = h.createQuery("""
                        INSERT INTO idempotency_keys (account_id, mode, endpoint, idem_key, fingerprint, resource_id, created_at)
                        VALUES (:account, :mode, :endpoint, :key, :fingerprint, :resource, :now)
                        ON CONFLICT (account_id, mode, endpoint, idem_key) DO UPDATE
                            SET fingerprint = excluded.fingerprint,
                                resource_id = excluded.resource_id,
                                created_at  = excluded.created_at
                            WHERE idempotency_keys.created_at < :cutoff
                        RETURNING resource_id""")
                .bind("account", scope.accountId()).bind("mode", scope.mode().wire())
                .bind("endpoint", scope.endpoint()).bind("key", key).bind("fingerprint", fingerprint)
                .bind("resource", resourceId).bind("now", now.toEpochMilli())
                .bind("cutoff", now.minus(retention).toEpochMilli())
                .mapTo(String.class).findOne();
        if (won.isPresent()) {
            return new Reserved();
        }
        return lookup(h, scope, key, fingerprint).orElseThrow(
                () -> new IllegalStateException("idempotency key neither inserted nor found"));
    }

    /**
     * A read-only check before doing any work: the recorded outcome for a live key, or empty when the key is
     * free (it may still be taken concurrently; {@link #reserve} decides).
     */
    public Optional<Outcome> lookup(Handle h, Scope scope, String key, String fingerprint) {
        return h.createQuery("""
                        SELECT fingerprint, resource_id FROM idempotency_keys
                        WHERE account_id = :account AND mode = :mode AND endpoint = :endpoint AND idem_key = :key
                          AND created_at >= :cutoff""")
                .bind("account", scope.accountId()).bind("mode", scope.mode().wire())
                .bind("endpoint", scope.endpoint()).bind("key", key)
                .bind("cutoff", clock.instant().minus(retention).toEpochMilli())
                .map((rs, ctx) -> Secrets.constantTimeEquals(rs.getString("fingerprint"), fingerprint)
                        ? (Outcome) new Replay(rs.getString("resource_id"))
                        : new Mismatch())
                .findOne();
    }

    /** Deletes bindings past retention; returns how many. Run periodically. */
    public int purgeExpired(Handle h) {
        return h.createUpdate("DELETE FROM idempotency_keys WHERE created_at < :cutoff")
                .bind("cutoff", clock.instant().minus(retention).toEpochMilli())
                .execute();
    }
}

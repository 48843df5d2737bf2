package dev.msgbubbles.attachment;

import dev.msgbubbles.db.Dialect;
import dev.msgbubbles.db.Sql;
import java.time.Instant;
import java.util.Collection;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * SQL for {@code blob_holds}, and the lock that makes "is this blob still needed?" and "I need this blob" exclusive
 * across every process on the database. The blob directory may be shared by several processes; an in-process hold
 * would not stop another process from deleting a blob this one is about to record or read.
 *
 * <p>The contract: a hold is inserted under {@link #lock} before the holder looks for the blob (and moves its bytes in
 * when the blob is absent); a blob is deleted only under {@link #lock}, after {@link #needed} said no, before the
 * transaction ends. So a deletion either comes first (the holder then finds the blob gone and writes its own bytes)
 * or sees the hold. An attachment row that names the blob is inserted while its upload's hold is live, and the hold
 * goes in the same transaction or after, so {@link #needed} (one statement) sees the one or the other.
 */
final class BlobHoldStore {
    /** The first key of the advisory locks of {@link #lock} (two-int keys never meet one-bigint keys). */
    private static final int BLOBS = 0x424c4f42; // "BLOB"

    /**
     * PostgreSQL: holds a lock of blob {@code sha256} until {@code tx} ends (an advisory lock keyed by
     * {@link #BLOBS} and the digest's first 32 bits; another blob sharing them only waits a moment). SQLite's write
     * transactions are serialised already, across processes too ({@code BEGIN IMMEDIATE}). Callers locking several
     * blobs lock them in increasing order.
     */
    void lock(Handle tx, String sha256) {
        if (Sql.dialect(tx) == Dialect.POSTGRESQL) {
            Sql.list(tx, "SELECT pg_advisory_xact_lock(?, ?)", row -> Boolean.TRUE, BLOBS,
                    (int) Long.parseLong(sha256.substring(0, 8), 16));
        }
    }

    void insert(Handle tx, UUID id, String sha256, Instant expiresAt) {
        Sql.update(tx, "INSERT INTO blob_holds (id, sha256, expires_at) VALUES (?, ?, ?)", id, sha256, expiresAt);
    }

    void delete(Handle tx, Collection<UUID> ids) {
        for (UUID id : ids) {
            Sql.update(tx, "DELETE FROM blob_holds WHERE id = ?", id);
        }
    }

    /** Removes holds whose holder died without removing them (at most {@code limit}); answers how many. */
    int deleteExpired(Handle tx, Instant now, int limit) {
        return Sql.update(tx, "DELETE FROM blob_holds WHERE id IN (SELECT id FROM blob_holds WHERE expires_at <= ? "
                + "ORDER BY expires_at LIMIT ?)", now, limit);
    }

    /** True when an attachment names the blob or a hold on it is live: one statement, so one snapshot. */
    boolean needed(Handle h, String sha256, Instant now) {
        return Sql.one(h, "SELECT 1 AS one WHERE EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?) "
                + "OR EXISTS (SELECT 1 FROM blob_holds WHERE sha256 = ? AND expires_at > ?)", row -> 1, sha256, sha256,
                now).isPresent();
    }
}

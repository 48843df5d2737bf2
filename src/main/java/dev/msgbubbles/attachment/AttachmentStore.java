package dev.msgbubbles.attachment;

import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Sql;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** SQL for {@code attachments}. Reads for callers are scoped by account and mode: another's attachment is absent. */
final class AttachmentStore {
    private static final String COLUMNS = "id, account_id, mode, state, filename, mime_type, size_bytes, sha256, message_id, "
            + "expires_at, created_at";
    private static final Sql.RowMapper<Attachment> MAPPER = row -> new Attachment(row.uuid("id"), row.uuid("account_id"),
            Mode.fromWire(row.string("mode")).orElseThrow(), "pending".equals(row.string("state")), row.string("filename"),
            row.string("mime_type"), row.longValue("size_bytes"), row.string("sha256"), row.uuid("message_id"),
            row.instant("expires_at"), row.instant("created_at"));
    private static final String INSERT = "INSERT INTO attachments (id, account_id, mode, state, filename, mime_type, "
            + "size_bytes, sha256, expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    void insert(Handle tx, Attachment a) {
        Sql.update(tx, INSERT, a.id(), a.accountId(), a.mode().wire(), a.pending() ? "pending" : "ready", a.filename(),
                a.mimeType(), a.sizeBytes(), a.sha256(), a.expiresAt(), a.createdAt(), a.createdAt());
    }

    Optional<Attachment> find(Handle h, UUID accountId, Mode mode, UUID id) {
        return Sql.one(h, "SELECT " + COLUMNS + " FROM attachments WHERE id = ? AND account_id = ? AND mode = ?", MAPPER,
                id, accountId, mode.wire());
    }

    /** Unscoped: for signed links, whose signature already names the attachment. */
    Optional<Attachment> findById(Handle h, UUID id) {
        return Sql.one(h, "SELECT " + COLUMNS + " FROM attachments WHERE id = ?", MAPPER, id);
    }

    /** The bytes of a presigned upload arrived; false when it is no longer pending (a second PUT) or gone. */
    boolean complete(Handle tx, UUID id, String mimeType, long size, String sha256, Instant now) {
        return Sql.update(tx, "UPDATE attachments SET state = 'ready', mime_type = ?, size_bytes = ?, sha256 = ?, updated_at = ? "
                + "WHERE id = ? AND state = 'pending'", mimeType, size, sha256, now, id) == 1;
    }

    /**
     * Binds one staged attachment to a message at {@code position}; false (nothing changed) unless it is the
     * caller's, ready, unclaimed and unexpired. Concurrent claims of one id: the row lock (PostgreSQL) or the single
     * writer (SQLite) lets exactly one see it unclaimed.
     */
    boolean claim(Handle tx, UUID accountId, Mode mode, UUID id, UUID messageId, int position, Instant now) {
        return Sql.update(tx, "UPDATE attachments SET message_id = ?, position = ?, expires_at = NULL, updated_at = ? "
                        + "WHERE id = ? AND account_id = ? AND mode = ? AND state = 'ready' AND message_id IS NULL AND expires_at > ?",
                messageId, position, now, id, accountId, mode.wire(), now) == 1;
    }

    List<Attachment> ofMessage(Handle h, UUID messageId) {
        return Sql.list(h, "SELECT " + COLUMNS + " FROM attachments WHERE message_id = ? ORDER BY position", MAPPER, messageId);
    }

    /** Removes unclaimed attachments past their expiry (at most {@code limit}); answers those removed. */
    List<Attachment> deleteExpired(Handle tx, Instant now, int limit) {
        List<Attachment> expired = Sql.list(tx, "SELECT " + COLUMNS + " FROM attachments WHERE message_id IS NULL "
                + "AND expires_at <= ? ORDER BY expires_at LIMIT ?", MAPPER, now, limit);
        for (Attachment a : expired) {
            Sql.update(tx, "DELETE FROM attachments WHERE id = ? AND message_id IS NULL", a.id());
        }
        return expired;
    }
}

package dev.msgbubbles.attachment;

import dev.msgbubbles.common.Mode;
import java.time.Instant;
import java.util.UUID;

/**
 * A stored attachment. {@code pending} is a presigned upload whose bytes have not arrived ({@code sha256} null);
 * {@code messageId} is the message that claimed it (null while staged); {@code expiresAt} is when an unclaimed
 * one is removed.
 */
public record Attachment(UUID id, UUID accountId, Mode mode, boolean pending, String filename, String mimeType,
                         long sizeBytes, String sha256, UUID messageId, Instant expiresAt, Instant createdAt) {
}

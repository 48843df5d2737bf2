package dev.msgbubbles.attachment;

import java.time.Instant;
import java.util.UUID;

/** The documented attachment object; {@code url} is a signed link that expires. */
public record AttachmentView(UUID id, String filename, String mimeType, long sizeBytes, String url, UUID messageId,
                             Instant createdAt) {
}

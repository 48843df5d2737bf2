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
    /**
     * Playlists, which content sniffing types {@code audio/…} though they hold no sound: a list of other files to
     * play. ffmpeg follows them, so one converted as a voice memo would have it read whatever local files the list
     * names (those with a media extension, by its defaults) into the recording sent.
     */
    private static final java.util.Set<String> PLAYLISTS = java.util.Set.of("audio/x-mpegurl", "audio/mpegurl",
            "audio/x-scpls");

    /** Whether this is sound: an {@code audio/…} type that is not a playlist (see above). */
    public boolean audio() {
        return mimeType.startsWith("audio/") && !PLAYLISTS.contains(mimeType);
    }
}

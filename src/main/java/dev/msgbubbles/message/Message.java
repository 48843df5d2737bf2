package dev.msgbubbles.message;

import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A stored message. {@code to} is null for groups; {@code channel} is null until sent. {@code attachments} is the
 * JSON array of its attachment objects as the message object shows them (fixed at creation), or null for none;
 * {@code voiceMemo}: its audio attachment goes out as a voice note.
 */
public record Message(UUID id, UUID accountId, Mode mode, UUID conversationId, Direction direction, MessageStatus status,
                      ChannelType channel, String fromHandle, String to, String text, String effect, UUID replyTo,
                      ChannelType requestedChannel, Map<String, String> metadata, String errorCode, String errorMessage,
                      Instant scheduledAt, Instant sentAt, Instant deliveredAt, Instant readAt, Instant editedAt,
                      int retryCount, Instant createdAt, Instant updatedAt, String attachments,
                      boolean voiceMemo) {

    public enum Direction {
        OUTBOUND, INBOUND;

        /** Computed once: it is bound and serialised several times per message. */
        private final String wire = name().toLowerCase(java.util.Locale.ROOT);

        public String wire() {
            return wire;
        }
    }
}

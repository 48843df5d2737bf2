package dev.msgbubbles.message;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The documented message object plus the extensions of DECISIONS §7. {@code timeline} is present only on
 * {@code GET /v1/messages/:id}.
 */
public record MessageView(UUID id, UUID conversationId, String direction, String status, String channel, String text,
                          String effect, UUID replyTo, ErrorView error, Map<String, String> metadata,
                          List<Object> attachments, Instant sentAt, Instant deliveredAt, Instant readAt,
                          Instant createdAt, String fromHandle, String to, Instant scheduledAt, Instant editedAt,
                          Instant updatedAt, int retryCount,
                          @JsonInclude(JsonInclude.Include.NON_NULL) List<TimelineEntry> timeline) {

    /** Why a message failed. */
    public record ErrorView(String code, String message) {
    }

    /** One status change: when, and on which channel. */
    public record TimelineEntry(String status, String channel, Instant at, String detail) {
    }

    public static MessageView of(Message m) {
        return of(m, null);
    }

    public static MessageView of(Message m, List<TimelineEntry> timeline) {
        return new MessageView(m.id(), m.conversationId(), m.direction().wire(), m.status().wire(),
                m.channel() == null ? null : m.channel().wire(), m.text(), m.effect(), m.replyTo(),
                m.errorCode() == null ? null : new ErrorView(m.errorCode(), m.errorMessage()),
                m.metadata(), List.of(), m.sentAt(), m.deliveredAt(), m.readAt(), m.createdAt(), m.fromHandle(), m.to(),
                m.scheduledAt(), m.editedAt(), m.updatedAt(), m.retryCount(), timeline);
    }
}

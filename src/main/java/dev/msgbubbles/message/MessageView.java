package dev.msgbubbles.message;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.msgbubbles.common.Timestamps;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The documented message object plus the extensions of DECISIONS §7. {@code timeline} is present only on
 * {@code GET /v1/messages/:id}.
 */
@JsonSerialize(using = MessageView.Writer.class)
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

    /**
     * Writes the message object field by field: it is serialised several times per message (the response and each
     * event payload), and this is several times cheaper than Jackson's reflective record serialiser. Same names
     * (snake_case), same order and same formats as {@link dev.msgbubbles.common.WireJson}; {@code MessageViewWriterTest} holds it to that.
     */
    static final class Writer extends StdSerializer<MessageView> {
        Writer() {
            super(MessageView.class);
        }

        @Override
        public void serialize(MessageView m, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeStartObject();
            uuid(gen, "id", m.id());
            uuid(gen, "conversation_id", m.conversationId());
            gen.writeStringField("direction", m.direction());
            gen.writeStringField("status", m.status());
            gen.writeStringField("channel", m.channel());
            gen.writeStringField("text", m.text());
            gen.writeStringField("effect", m.effect());
            uuid(gen, "reply_to", m.replyTo());
            if (m.error() == null) {
                gen.writeNullField("error");
            } else {
                gen.writeObjectFieldStart("error");
                gen.writeStringField("code", m.error().code());
                gen.writeStringField("message", m.error().message());
                gen.writeEndObject();
            }
            if (m.metadata() == null) {
                gen.writeNullField("metadata");
            } else {
                gen.writeObjectFieldStart("metadata");
                for (Map.Entry<String, String> entry : m.metadata().entrySet()) {
                    gen.writeStringField(entry.getKey(), entry.getValue());
                }
                gen.writeEndObject();
            }
            provider.defaultSerializeField("attachments", m.attachments(), gen);
            instant(gen, "sent_at", m.sentAt());
            instant(gen, "delivered_at", m.deliveredAt());
            instant(gen, "read_at", m.readAt());
            instant(gen, "created_at", m.createdAt());
            gen.writeStringField("from_handle", m.fromHandle());
            gen.writeStringField("to", m.to());
            instant(gen, "scheduled_at", m.scheduledAt());
            instant(gen, "edited_at", m.editedAt());
            instant(gen, "updated_at", m.updatedAt());
            gen.writeNumberField("retry_count", m.retryCount());
            if (m.timeline() != null) {
                gen.writeArrayFieldStart("timeline");
                for (TimelineEntry entry : m.timeline()) {
                    gen.writeStartObject();
                    gen.writeStringField("status", entry.status());
                    gen.writeStringField("channel", entry.channel());
                    instant(gen, "at", entry.at());
                    gen.writeStringField("detail", entry.detail());
                    gen.writeEndObject();
                }
                gen.writeEndArray();
            }
            gen.writeEndObject();
        }

        private static void uuid(JsonGenerator gen, String name, UUID value) throws IOException {
            gen.writeStringField(name, value == null ? null : value.toString());
        }

        private static void instant(JsonGenerator gen, String name, Instant value) throws IOException {
            gen.writeStringField(name, value == null ? null : Timestamps.format(value));
        }
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

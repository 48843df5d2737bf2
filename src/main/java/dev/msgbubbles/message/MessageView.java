package dev.msgbubbles.message;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
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
                          Object attachments, Instant sentAt, Instant deliveredAt, Instant readAt,
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

        // field names pre-encoded once: writing a name from a String scans it character by character every time
        private static final SerializedString ID = new SerializedString("id");
        private static final SerializedString CONVERSATION_ID = new SerializedString("conversation_id");
        private static final SerializedString DIRECTION = new SerializedString("direction");
        private static final SerializedString STATUS = new SerializedString("status");
        private static final SerializedString CHANNEL = new SerializedString("channel");
        private static final SerializedString TEXT = new SerializedString("text");
        private static final SerializedString EFFECT = new SerializedString("effect");
        private static final SerializedString REPLY_TO = new SerializedString("reply_to");
        private static final SerializedString ERROR = new SerializedString("error");
        private static final SerializedString CODE = new SerializedString("code");
        private static final SerializedString MESSAGE = new SerializedString("message");
        private static final SerializedString METADATA = new SerializedString("metadata");
        private static final SerializedString SENT_AT = new SerializedString("sent_at");
        private static final SerializedString DELIVERED_AT = new SerializedString("delivered_at");
        private static final SerializedString READ_AT = new SerializedString("read_at");
        private static final SerializedString CREATED_AT = new SerializedString("created_at");
        private static final SerializedString FROM_HANDLE = new SerializedString("from_handle");
        private static final SerializedString TO = new SerializedString("to");
        private static final SerializedString SCHEDULED_AT = new SerializedString("scheduled_at");
        private static final SerializedString EDITED_AT = new SerializedString("edited_at");
        private static final SerializedString UPDATED_AT = new SerializedString("updated_at");
        private static final SerializedString RETRY_COUNT = new SerializedString("retry_count");
        private static final SerializedString TIMELINE = new SerializedString("timeline");
        private static final SerializedString AT = new SerializedString("at");
        private static final SerializedString DETAIL = new SerializedString("detail");

        @Override
        public void serialize(MessageView m, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeStartObject();
            string(gen, ID, m.id());
            string(gen, CONVERSATION_ID, m.conversationId());
            string(gen, DIRECTION, m.direction());
            string(gen, STATUS, m.status());
            string(gen, CHANNEL, m.channel());
            string(gen, TEXT, m.text());
            string(gen, EFFECT, m.effect());
            string(gen, REPLY_TO, m.replyTo());
            gen.writeFieldName(ERROR);
            if (m.error() == null) {
                gen.writeNull();
            } else {
                gen.writeStartObject();
                string(gen, CODE, m.error().code());
                string(gen, MESSAGE, m.error().message());
                gen.writeEndObject();
            }
            gen.writeFieldName(METADATA);
            if (m.metadata() == null) {
                gen.writeNull();
            } else {
                gen.writeStartObject();
                for (Map.Entry<String, String> entry : m.metadata().entrySet()) {
                    gen.writeStringField(entry.getKey(), entry.getValue());
                }
                gen.writeEndObject();
            }
            provider.defaultSerializeField("attachments", m.attachments(), gen);
            string(gen, SENT_AT, m.sentAt());
            string(gen, DELIVERED_AT, m.deliveredAt());
            string(gen, READ_AT, m.readAt());
            string(gen, CREATED_AT, m.createdAt());
            string(gen, FROM_HANDLE, m.fromHandle());
            string(gen, TO, m.to());
            string(gen, SCHEDULED_AT, m.scheduledAt());
            string(gen, EDITED_AT, m.editedAt());
            string(gen, UPDATED_AT, m.updatedAt());
            gen.writeFieldName(RETRY_COUNT);
            gen.writeNumber(m.retryCount());
            if (m.timeline() != null) {
                gen.writeFieldName(TIMELINE);
                gen.writeStartArray();
                for (TimelineEntry entry : m.timeline()) {
                    gen.writeStartObject();
                    string(gen, STATUS, entry.status());
                    string(gen, CHANNEL, entry.channel());
                    string(gen, AT, entry.at());
                    string(gen, DETAIL, entry.detail());
                    gen.writeEndObject();
                }
                gen.writeEndArray();
            }
            gen.writeEndObject();
        }

        private static void string(JsonGenerator gen, SerializedString name, String value) throws IOException {
            gen.writeFieldName(name);
            if (value == null) {
                gen.writeNull();
            } else {
                gen.writeString(value);
            }
        }

        private static void string(JsonGenerator gen, SerializedString name, UUID value) throws IOException {
            string(gen, name, value == null ? null : value.toString());
        }

        private static void string(JsonGenerator gen, SerializedString name, Instant value) throws IOException {
            string(gen, name, value == null ? null : Timestamps.format(value));
        }
    }

    public static MessageView of(Message m) {
        return of(m, null);
    }

    public static MessageView of(Message m, List<TimelineEntry> timeline) {
        return new MessageView(m.id(), m.conversationId(), m.direction().wire(), m.status().wire(),
                m.channel() == null ? null : m.channel().wire(), m.text(), m.effect(), m.replyTo(),
                m.errorCode() == null ? null : new ErrorView(m.errorCode(), m.errorMessage()),
                m.metadata(), m.attachments() == null ? List.of() : new com.fasterxml.jackson.databind.util.RawValue(m.attachments()),
                m.sentAt(), m.deliveredAt(), m.readAt(), m.createdAt(), m.fromHandle(), m.to(),
                m.scheduledAt(), m.editedAt(), m.updatedAt(), m.retryCount(), timeline);
    }
}

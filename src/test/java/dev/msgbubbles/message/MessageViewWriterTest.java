package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.msgbubbles.common.Timestamps;
import dev.msgbubbles.common.WireJson;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The hand-written message writer must produce exactly what Jackson's record serialiser would. */
class MessageViewWriterTest {

    /** Jackson's own serialisation of the record, with the wire conventions of WireJson. */
    private static final ObjectMapper REFERENCE = reference();

    @JsonSerialize(using = JsonSerializer.None.class)
    private abstract static class Reflective {
    }

    private static ObjectMapper reference() {
        SimpleModule timestamps = new SimpleModule("timestamps");
        timestamps.addSerializer(Instant.class, new JsonSerializer<>() {
            @Override
            public void serialize(Instant value, JsonGenerator gen, SerializerProvider provider) throws IOException {
                gen.writeString(Timestamps.format(value));
            }
        });
        return JsonMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .addModule(timestamps)
                .addMixIn(MessageView.class, Reflective.class)
                .build();
    }

    @Test
    void a_message_with_every_field_null_or_empty_is_written_like_jacksons_serialiser() throws IOException {
        MessageView view = new MessageView(UUID.randomUUID(), UUID.randomUUID(), "outbound", "queued", null, null, null,
                null, null, null, List.of(), null, null, null, Instant.parse("2026-11-23T10:00:00.123Z"), "+18005550100",
                "+14155550123", null, null, Instant.parse("2026-11-23T10:00:00.123Z"), 0, null);

        assertThat(WireJson.write(view)).isEqualTo(REFERENCE.writeValueAsString(view));
    }

    @Test
    void a_message_with_every_field_set_including_escapes_and_timeline_is_written_like_jacksons_serialiser()
            throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("order", "A-1");
        metadata.put("quote \"\\ key", "line\nbreak \u2603 \uD83D\uDE00");
        Instant at = Instant.parse("2026-11-23T10:00:00.001Z");
        MessageView view = new MessageView(UUID.randomUUID(), UUID.randomUUID(), "outbound", "failed", "sms",
                "hi \"there\"\t\u0001", "slam", UUID.randomUUID(), new MessageView.ErrorView("unavailable", "gave up"),
                metadata, List.of(Map.of("id", "att_1")), at, at.plusMillis(1), at.plusMillis(2), at.minusSeconds(5),
                "+18005550100", "alice@example.com", at.plusSeconds(60), at.plusSeconds(61), at.plusSeconds(62), 3,
                List.of(new MessageView.TimelineEntry("queued", null, at, null),
                        new MessageView.TimelineEntry("failed", "sms", at.plusMillis(5), "unavailable")));

        assertThat(WireJson.write(view)).isEqualTo(REFERENCE.writeValueAsString(view));
    }

    @Test
    void an_empty_timeline_is_written_as_an_empty_list_and_an_absent_one_not_at_all() throws IOException {
        Instant at = Instant.parse("2026-11-23T10:00:00Z");
        MessageView without = new MessageView(UUID.randomUUID(), UUID.randomUUID(), "inbound", "received", "imessage",
                "x", null, null, null, Map.of(), List.of(), null, null, null, at, "+18005550100", "+14155550123", null,
                null, at, 0, null);
        MessageView empty = new MessageView(without.id(), without.conversationId(), "inbound", "received", "imessage",
                "x", null, null, null, Map.of(), List.of(), null, null, null, at, "+18005550100", "+14155550123", null,
                null, at, 0, List.of());

        assertThat(WireJson.write(without)).isEqualTo(REFERENCE.writeValueAsString(without)).doesNotContain("timeline");
        assertThat(WireJson.write(empty)).isEqualTo(REFERENCE.writeValueAsString(empty)).contains("\"timeline\":[]");
    }
}

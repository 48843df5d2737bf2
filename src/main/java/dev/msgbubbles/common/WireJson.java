package dev.msgbubbles.common;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.time.Instant;

/**
 * How our objects look on the wire, wherever they go (API responses, event payloads, webhooks): snake_case
 * names, the API timestamp format, {@code null} fields kept.
 */
public final class WireJson {
    private static final ObjectMapper WRITER = build();

    private WireJson() {
    }

    public static ObjectMapper writer() {
        return WRITER;
    }

    public static String write(Object value) {
        try {
            return WRITER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getName(), e);
        }
    }

    private static ObjectMapper build() {
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
                .build();
    }
}

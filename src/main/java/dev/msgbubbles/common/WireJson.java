package dev.msgbubbles.common;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
            // the UTF-8 generator is markedly cheaper than the Writer-based one behind writeValueAsString
            return new String(WRITER.writeValueAsBytes(value), StandardCharsets.UTF_8);
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
        // buffers shared across threads: the default pool is per thread, and most callers are new virtual threads
        // and characters outside the BMP (emoji) as UTF-8 rather than as escaped surrogate pairs
        var factory = JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
                .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();
        return JsonMapper.builder(factory)
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .addModule(timestamps)
                .build();
    }
}

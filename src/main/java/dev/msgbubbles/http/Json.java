package dev.msgbubbles.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.Secrets;
import dev.msgbubbles.common.Timestamps;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.stream.Collectors;

/**
 * The API's JSON codec. Reading is strict: unknown fields, duplicate keys, trailing content, type coercion
 * ({@code "1"} for a number, {@code 1} for a string or boolean), nesting deeper than {@value #MAX_DEPTH} and
 * invalid UTF-8 are all 400 {@code invalid_request}, with {@code param} naming the field where known. Writing
 * uses snake_case names and the API timestamp format, and keeps {@code null} fields.
 */
final class Json {
    static final int MAX_DEPTH = 32;
    private static final ObjectMapper MAPPER = build();

    private Json() {
    }

    static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Decodes {@code body} into {@code type} or throws a 400 {@link ApiException}. */
    static <T> T read(byte[] body, Class<T> type) {
        if (notUtf8(body) || malformedUtf8(body)) {
            throw ApiException.invalid(null, "request body must be UTF-8 encoded JSON");
        }
        try {
            if (mayHoldUnstorableEscape(body)) {
                checkText(MAPPER.readTree(body), "");
            }
            T value = MAPPER.readValue(body, type);
            if (value == null) {
                throw ApiException.invalid(null, "request body must be a JSON object");
            }
            return value;
        } catch (UnrecognizedPropertyException e) {
            String param = path(e);
            throw ApiException.invalid(param, "unknown field '" + param + "'");
        } catch (MismatchedInputException e) {
            String param = path(e);
            throw ApiException.invalid(param.isEmpty() ? null : param,
                    param.isEmpty() ? "request body must be a JSON object" : "field '" + param + "' has the wrong type or format");
        } catch (StreamConstraintsException e) {
            throw ApiException.invalid(null, "request body is nested too deeply or too large");
        } catch (JsonProcessingException | CharConversionException e) {
            // CharConversionException: malformed bytes in a body Jackson detected as UTF-32 (not a JsonProcessingException)
            throw ApiException.invalid(null, "request body is not valid JSON (or not UTF-8)");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Jackson would detect UTF-16/32 from a BOM or NUL bytes and decode them; the API accepts UTF-8 only. No
     * UTF-8 JSON text starts with a NUL or with the bytes 0xFE/0xFF (a UTF-8 BOM, EF BB BF, is tolerated).
     */
    private static boolean notUtf8(byte[] body) {
        if (body.length == 0) {
            return false;
        }
        int first = body[0] & 0xFF;
        return first == 0x00 || first == 0xFE || first == 0xFF || (body.length > 1 && body[1] == 0x00);
    }

    /**
     * True when {@code body} is not well-formed UTF-8 (RFC 3629). Jackson's decoder takes overlong forms ({@code C0 80}
     * for NUL, which would then pass {@link #checkText}'s escape scan and reach the store) and sequences past U+10FFFF
     * (decoded to lone surrogates); {@link StrictText} refuses both, and surrogates encoded on their own. Bodies of
     * ASCII only, the usual case, are settled by the scan for a byte of 0x80 or more.
     */
    static boolean malformedUtf8(byte[] body) {
        int first = 0;
        while (first < body.length && body[first] >= 0) {
            first++;
        }
        if (first == body.length) {
            return false;
        }
        return StrictText.decode(body, first, body.length - first, java.nio.charset.StandardCharsets.UTF_8).isEmpty();
    }

    /**
     * True when {@code body} holds an escape {@code \u0000} or {@code \uD800}–{@code \uDFFF} (any case): the only
     * ways valid UTF-8 JSON can carry a NUL or half a surrogate pair into a string. Most bodies have neither, so
     * this byte scan spares them the exact check ({@link #checkText}).
     */
    static boolean mayHoldUnstorableEscape(byte[] body) {
        for (int i = 0; i + 5 < body.length; i++) {
            if (body[i] == '\\' && body[i + 1] == 'u') {
                int a = body[i + 2] | 0x20;
                int b = body[i + 3] | 0x20;
                if ((a == '0' && b == '0' && body[i + 4] == '0' && body[i + 5] == '0') || (a == 'd' && b >= '8'
                        && (b <= '9' || (b >= 'a' && b <= 'f')))) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Refuses strings (values and field names, at any depth) that hold a NUL character or an unpaired surrogate:
     * PostgreSQL cannot store either in text, and neither is a character a message can carry.
     */
    static void checkText(JsonNode node, String path) {
        if (node.isTextual() && !storable(node.textValue())) {
            throw ApiException.invalid(path.isEmpty() ? null : path,
                    "text must not contain NUL characters or unpaired UTF-16 surrogates");
        }
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                checkText(node.get(i), path + "[" + i + "]");
            }
        }
        if (node.isObject()) {
            for (var fields = node.fields(); fields.hasNext(); ) {
                var field = fields.next();
                String at = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
                if (!storable(field.getKey())) {
                    throw ApiException.invalid(null, "field names must not contain NUL characters or unpaired surrogates");
                }
                checkText(field.getValue(), at);
            }
        }
    }

    private static boolean storable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /** Parses into a tree with the same strictness, for fingerprints and field-by-field validation. */
    static JsonNode readTree(byte[] body) {
        return read(body, JsonNode.class);
    }

    static byte[] write(Object value) {
        try {
            return dev.msgbubbles.common.WireJson.writer().writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getName(), e);
        }
    }

    /**
     * The identity of a request body for idempotency: SHA-256 of the body re-serialised with sorted keys,
     * so whitespace and key order do not make two equal requests differ.
     */
    static String fingerprint(JsonNode body) {
        try {
            Object canonical = MAPPER.treeToValue(body, Object.class);
            byte[] bytes = CANONICAL.writeValueAsBytes(canonical);
            return HexFormat.of().formatHex(Secrets.sha256(bytes));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot canonicalise a parsed tree", e);
        }
    }

    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    /** The JSON path of the field an exception is about, as {@code a.b[2].c}; empty for the root. */
    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? "." + ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining())
                .replaceFirst("^\\.", "");
    }

    private static ObjectMapper build() {
        var factory = com.fasterxml.jackson.core.JsonFactory.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
                // buffers shared across threads: the default pool is per thread, and each request is a new virtual one
                .recyclerPool(com.fasterxml.jackson.core.util.JsonRecyclerPools.sharedConcurrentDequePool())
                // characters outside the BMP (emoji) as UTF-8, not as escaped surrogate pairs, like WireJson
                .enable(com.fasterxml.jackson.core.json.JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
                .build();
        SimpleModule timestamps = new SimpleModule("timestamps");
        timestamps.addSerializer(Instant.class, new JsonSerializer<>() {
            @Override
            public void serialize(Instant value, JsonGenerator gen, SerializerProvider provider) throws IOException {
                gen.writeString(Timestamps.format(value));
            }
        });
        JsonMapper mapper = JsonMapper.builder(factory)
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .addModule(timestamps)
                .build();
        for (LogicalType type : new LogicalType[] {LogicalType.Textual, LogicalType.Boolean, LogicalType.Integer,
                LogicalType.Float, LogicalType.Collection, LogicalType.Array, LogicalType.POJO, LogicalType.Map}) {
            var coercion = mapper.coercionConfigFor(type);
            for (CoercionInputShape shape : CoercionInputShape.values()) {
                coercion.setCoercion(shape, CoercionAction.Fail);
            }
        }
        // Ids (UUIDs) are read from their text, and Jackson reads an empty or blank one as null, i.e. as absent: a
        // "reply_to": "" went out as no reply, a "conversation_id": "" beside to + from_handle was ignored. Refused.
        mapper.coercionConfigFor(LogicalType.OtherScalar)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                .setAcceptBlankAsEmpty(true);
        return mapper;
    }
}

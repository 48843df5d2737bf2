package dev.msgbubbles.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

    record Inner(String name) {
    }

    record Probe(String text, int count, boolean flag, List<String> tags, Map<String, String> metadata,
                 String someField, Inner inner, Object extra) {
    }

    record Out(String messageText, Instant createdAt, String note, int count) {
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Reads {@code body} expecting a 400 invalid_request, and returns the exception. */
    private static ApiException invalid(byte[] body) {
        Throwable thrown = catchThrowable(() -> Json.read(body, Probe.class));
        assertThat(thrown).as("Json.read(%s)", new String(body, StandardCharsets.ISO_8859_1))
                .isInstanceOf(ApiException.class);
        ApiException e = (ApiException) thrown;
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(e.getMessage()).isNotBlank();
        return e;
    }

    private static ApiException invalid(String body) {
        return invalid(utf8(body));
    }

    @Test
    void reads_a_valid_body_with_snake_case_names() {
        Probe probe = Json.read(utf8("""
                {"text": "hi", "count": 3, "flag": true, "tags": ["a", "b"],
                 "metadata": {"k": "v"}, "some_field": "two words", "inner": {"name": "n"}, "extra": [1, {"x": null}]}
                """), Probe.class);

        assertThat(probe.text()).isEqualTo("hi");
        assertThat(probe.count()).isEqualTo(3);
        assertThat(probe.flag()).isTrue();
        assertThat(probe.tags()).containsExactly("a", "b");
        assertThat(probe.metadata()).containsExactly(Map.entry("k", "v"));
        assertThat(probe.someField()).isEqualTo("two words");
        assertThat(probe.inner()).isEqualTo(new Inner("n"));
        assertThat(probe.extra()).isInstanceOf(List.class);
    }

    @Test
    void absent_reference_fields_are_null() {
        Probe probe = Json.read(utf8("{\"count\": 0, \"flag\": false}"), Probe.class);

        assertThat(probe.text()).isNull();
        assertThat(probe.tags()).isNull();
        assertThat(probe.metadata()).isNull();
        assertThat(probe.someField()).isNull();
        assertThat(probe.inner()).isNull();
        assertThat(probe.extra()).isNull();
    }

    /**
     * Observed, not documented: FAIL_ON_NULL_FOR_PRIMITIVES also applies to record components that are absent,
     * so a primitive component is effectively required (optional numbers/booleans need boxed types).
     */
    @Test
    void an_absent_primitive_record_component_is_rejected_naming_it() {
        assertThat(invalid("{\"count\": 1}").param()).contains("flag");
        assertThat(invalid("{\"flag\": true}").param()).contains("count");
    }

    @Test
    void camel_case_name_of_a_two_word_field_is_an_unknown_field() {
        ApiException e = invalid("{\"count\": 1, \"flag\": true, \"someField\": \"x\"}");

        assertThat(e.param()).contains("someField");
    }

    @Test
    void unknown_field_is_rejected_naming_it() {
        ApiException e = invalid("{\"count\": 1, \"flag\": true, \"text\": \"a\", \"bogus\": 1}");

        assertThat(e.param()).contains("bogus");
        assertThat(e.getMessage()).contains("bogus");
    }

    @Test
    void nested_unknown_field_is_reported_with_a_dotted_path() {
        ApiException e = invalid("{\"count\": 1, \"flag\": true, \"inner\": {\"name\": \"n\", \"bogus\": true}}");

        assertThat(e.param()).contains("inner.bogus");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"count\": \"3\"}|count",
            "{\"count\": 1.5}|count",
            "{\"count\": 1.0}|count",
            "{\"count\": true}|count",
            "{\"count\": null}|count",
            "{\"count\": []}|count",
            "{\"text\": 5}|text",
            "{\"text\": 5.5}|text",
            "{\"text\": true}|text",
            "{\"text\": {}}|text",
            "{\"text\": [\"a\"]}|text",
            "{\"flag\": 1}|flag",
            "{\"flag\": \"true\"}|flag",
            "{\"flag\": null}|flag",
            "{\"tags\": \"x\"}|tags",
            "{\"tags\": {}}|tags",
            "{\"tags\": [1]}|tags[0]",
            "{\"tags\": [\"a\", false]}|tags[1]",
            "{\"metadata\": []}|metadata",
            "{\"metadata\": {\"k\": 1}}|metadata.k",
            "{\"inner\": \"n\"}|inner",
            "{\"inner\": {\"name\": 7}}|inner.name",
    })
    void wrong_types_are_rejected_naming_the_field(String body, String param) {
        ApiException e = invalid(body);

        assertThat(e.param()).contains(param);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"count\": 99999999999}",             // out of int range
            "{\"count\": 1e2}",
            "{\"count\": \"\"}",
            "{\"tags\": null, \"tags\": []}",
    })
    void other_unacceptable_values_are_invalid_request(String body) {
        invalid(body);
    }

    @Test
    void duplicate_keys_are_rejected() {
        invalid("{\"text\":\"a\",\"text\":\"b\"}");
    }

    @Test
    void duplicate_keys_inside_a_free_form_value_are_rejected() {
        invalid("{\"extra\": {\"a\": 1, \"a\": 2}}");
        invalid("{\"metadata\": {\"a\": \"1\", \"a\": \"2\"}}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"text\":\"a\"} x", "{\"text\":\"a\"} {}", "{\"text\":\"a\"}}", "{\"text\":\"a\"} []", "{} 1"})
    void trailing_content_is_rejected(String body) {
        invalid(body);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            " ",
            "{",
            "}",
            "{\"text\"}",
            "{\"text\": }",
            "{\"text\": \"a\",}",
            "{'text': 'a'}",
            "{text: \"a\"}",
            "{\"text\": \"a\" \"count\": 1}",
            "{\"count\": 01}",
            "{\"count\": NaN}",
            "{\"text\": \"unterminated}",
            "{\"text\": \"a\u0001b\"}",
            "/* comment */ {}",
    })
    void malformed_json_is_rejected(String body) {
        invalid(body);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[{}]", "\"text\"", "null", "42", "true"})
    void a_root_that_is_not_an_object_is_rejected(String body) {
        ApiException e = invalid(body);

        assertThat(e.param()).isEmpty();
    }

    @Test
    void invalid_utf8_is_rejected() {
        byte[] body = {0x7B, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3A, 0x22, (byte) 0xC3, 0x28, 0x22, 0x7D};

        invalid(body);
    }

    @Test
    void other_invalid_utf8_sequences_are_rejected() {
        invalid(new byte[] {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xFF, '"', '}'});
        invalid(new byte[] {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xE2, (byte) 0x82, '"', '}'});
        invalid(new byte[] {'{', '"', (byte) 0x80, '"', ':', '1', '}'});
    }

    /** {@code {"count":1,"flag":true,"text":"a<bytes>b"}}: a valid body but for the bytes. */
    private static byte[] textWith(int... bytes) {
        byte[] head = utf8("{\"count\":1,\"flag\":true,\"text\":\"a");
        byte[] tail = utf8("b\"}");
        byte[] body = new byte[head.length + bytes.length + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        for (int i = 0; i < bytes.length; i++) {
            body[head.length + i] = (byte) bytes[i];
        }
        System.arraycopy(tail, 0, body, head.length + bytes.length, tail.length);
        return body;
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "C0 80",       // NUL in two bytes (overlong): would reach the store as U+0000
            "E0 80 80",    // NUL in three bytes
            "C0 AF",       // '/' in two bytes
            "C1 BF",
            "E0 9F BF",    // U+07FF in three bytes
            "F0 8F BF BF", // U+FFFF in four bytes
            "ED A0 80",    // a surrogate (U+D800) encoded on its own (CESU-8)
            "ED BF BF",
            "F4 90 80 80", // past U+10FFFF
            "F5 80 80 80",
            "F8 88 80 80 80",
            "E2 82",       // cut short
            "80",          // a continuation byte alone
    })
    void utf8_that_is_not_well_formed_is_rejected_not_decoded(String hex) {
        int[] bytes = java.util.Arrays.stream(hex.split(" ")).mapToInt(b -> Integer.parseInt(b, 16)).toArray();
        assertThat(invalid(textWith(bytes)).getMessage()).contains("UTF-8");
    }

    @Test
    void the_largest_and_smallest_of_each_utf8_length_are_accepted() {
        assertThat(Json.read(textWith(0xC2, 0x80, 0xDF, 0xBF, 0xE0, 0xA0, 0x80, 0xEF, 0xBF, 0xBF, 0xF0, 0x90, 0x80, 0x80,
                0xF4, 0x8F, 0xBF, 0xBF), Probe.class).text())
                .isEqualTo("a\u0080\u07FF\u0800\uFFFF" + new String(Character.toChars(0x10000))
                        + new String(Character.toChars(0x10FFFF)) + "b");
    }

    @Test
    void valid_multibyte_utf8_is_accepted() {
        Probe probe = Json.read(utf8("{\"count\": 1, \"flag\": true, \"text\": \"h\u00e9llo \uD83D\uDE00\"}"), Probe.class);

        assertThat(probe.text()).isEqualTo("h\u00e9llo \uD83D\uDE00");
    }

    @Test
    void nesting_at_the_limit_is_accepted() {
        // root object is depth 1, so MAX_DEPTH - 1 arrays inside "extra" reach exactly MAX_DEPTH
        int arrays = Json.MAX_DEPTH - 1;
        Probe probe = Json.read(utf8("{\"count\": 1, \"flag\": true, \"extra\": " + "[".repeat(arrays) + "]".repeat(arrays) + "}"), Probe.class);

        assertThat(probe.extra()).isInstanceOf(List.class);
    }

    @Test
    void nesting_one_deeper_than_max_depth_is_rejected() {
        int arrays = Json.MAX_DEPTH;
        invalid("{\"extra\": " + "[".repeat(arrays) + "]".repeat(arrays) + "}");
    }

    @Test
    void a_thousand_deep_array_inside_a_field_is_rejected() {
        invalid("{\"extra\": " + "[".repeat(1000) + "]".repeat(1000) + "}");
        invalid("{\"metadata\": {\"k\": " + "[".repeat(1000) + "]".repeat(1000) + "}}");
    }

    @Test
    void a_ten_thousand_deep_nest_is_rejected_without_stack_overflow() {
        invalid("[".repeat(10_000) + "]".repeat(10_000));
        invalid("{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000));
        invalid("{\"extra\": " + "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_001));
        invalid("{\"extra\": " + "[".repeat(10_000)); // unterminated as well
    }

    @Test
    void read_tree_applies_the_same_depth_limit() {
        Throwable thrown = catchThrowable(() -> Json.readTree(utf8("[".repeat(10_000) + "]".repeat(10_000))));

        assertThat(thrown).isInstanceOf(ApiException.class);
        assertThat(((ApiException) thrown).code()).isEqualTo(ErrorCode.INVALID_REQUEST);
    }

    @Test
    void read_tree_rejects_duplicate_keys_and_trailing_content() {
        for (String body : List.of("{\"a\":1,\"a\":2}", "{\"a\":1} x", "{\"a\":1} {}")) {
            Throwable thrown = catchThrowable(() -> Json.readTree(utf8(body)));
            assertThat(thrown).as(body).isInstanceOf(ApiException.class);
            assertThat(((ApiException) thrown).code()).isEqualTo(ErrorCode.INVALID_REQUEST);
        }
    }

    @Test
    void write_uses_snake_case_and_the_api_timestamp_format_and_keeps_nulls() {
        Out out = new Out("hello", Instant.parse("2026-06-11T18:21:04.123456Z"), null, 2);

        String json = new String(Json.write(out), StandardCharsets.UTF_8);

        assertThat(json).isEqualTo(
                "{\"message_text\":\"hello\",\"created_at\":\"2026-06-11T18:21:04.123Z\",\"note\":null,\"count\":2}");
    }

    @Test
    void write_keeps_null_values_in_maps() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("a", null);
        body.put("at", Instant.parse("2026-06-11T18:21:04Z"));

        assertThat(new String(Json.write(body), StandardCharsets.UTF_8))
                .isEqualTo("{\"a\":null,\"at\":\"2026-06-11T18:21:04.000Z\"}");
    }

    @Test
    void fingerprint_ignores_whitespace_and_key_order() {
        JsonNode a = Json.readTree(utf8("{\"to\":\"+15555550123\",\"body\":{\"text\":\"hi\",\"n\":[1,2]}}"));
        JsonNode b = Json.readTree(utf8("{ \"body\" : { \"n\" : [ 1 , 2 ] ,\n \"text\" : \"hi\" } ,\t\"to\" : \"+15555550123\" }"));

        assertThat(Json.fingerprint(a)).isEqualTo(Json.fingerprint(b)).matches("[0-9a-f]{64}");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"to\":\"+15555550124\",\"body\":{\"text\":\"hi\",\"n\":[1,2]}}",
            "{\"to\":\"+15555550123\",\"body\":{\"text\":\"hi!\",\"n\":[1,2]}}",
            "{\"to\":\"+15555550123\",\"body\":{\"text\":\"hi\",\"n\":[2,1]}}",
            "{\"to\":\"+15555550123\",\"body\":{\"text\":\"hi\",\"n\":[1,2,3]}}",
            "{\"to\":\"+15555550123\",\"body\":{\"text\":\"hi\",\"n\":[1,\"2\"]}}",
            "{\"to\":\"+15555550123\",\"body\":{\"text\":\"hi\",\"n\":[1,2]},\"x\":null}",
            "{\"to\":\"+15555550123\",\"body\":{\"text\":\"hi\"}}",
    })
    void fingerprint_differs_when_a_value_differs(String other) {
        JsonNode base = Json.readTree(utf8("{\"to\":\"+15555550123\",\"body\":{\"text\":\"hi\",\"n\":[1,2]}}"));

        assertThat(Json.fingerprint(Json.readTree(utf8(other)))).isNotEqualTo(Json.fingerprint(base));
    }

    /**
     * Seeded fuzz: random bytes and mutations of valid bodies must either decode or be a 400 invalid_request,
     * never any other exception (which would surface as a 500).
     */
    @Test
    void fuzzed_bodies_either_decode_or_fail_as_invalid_request() {
        Random random = new Random(42);
        String[] seeds = {
                "{\"text\":\"hi\",\"count\":3,\"flag\":true,\"tags\":[\"a\",\"b\"],\"metadata\":{\"k\":\"v\"},"
                        + "\"some_field\":\"x\",\"inner\":{\"name\":\"n\"},\"extra\":[1,{\"y\":[null,2.5]}]}",
                "{\"text\":\"\\u00e9\\n\",\"count\":-7,\"flag\":false}",
                "{\"flag\":true,\"count\":0,\"extra\":{\"a\":{\"b\":{\"c\":[[[[]]]]}}}}",
                "{\"count\":1,\"flag\":true}",
        };
        String structural = "{}[]\",:";
        int decoded = 0;
        int rejected = 0;
        for (int i = 0; i < 2000; i++) {
            byte[] body = switch (i % 5) {
                case 0 -> randomBytes(random, random.nextInt(64));
                case 1, 2, 3 -> mutate(random, utf8(seeds[random.nextInt(seeds.length)]), structural);
                default -> longString(random);
            };
            Throwable thrown = catchThrowable(() -> Json.read(body, Probe.class));
            if (thrown == null) {
                decoded++;
                continue;
            }
            assertThat(thrown).as("case %d: %s", i, printable(body)).isInstanceOf(ApiException.class);
            assertThat(((ApiException) thrown).code()).as("case %d", i).isEqualTo(ErrorCode.INVALID_REQUEST);
            rejected++;
        }
        assertThat(decoded).as("some mutations stay valid").isPositive();
        assertThat(rejected).as("most mutations are rejected").isGreaterThan(decoded);
    }

    /** Regression: Jackson reports bad UTF-32 as java.io.CharConversionException, which used to escape as a 500. */
    @Test
    void malformed_utf32_body_is_invalid_request() {
        byte[] body = {0, 0, 0, '{', (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};

        invalid(body);
        Throwable thrown = catchThrowable(() -> Json.readTree(body));
        assertThat(thrown).isInstanceOf(ApiException.class);
        assertThat(((ApiException) thrown).code()).isEqualTo(ErrorCode.INVALID_REQUEST);
    }

    @Test
    void well_formed_utf16_and_utf32_bodies_are_refused_because_the_api_is_utf8_only() {
        List<byte[]> bodies = List.of(
                "{}".getBytes(java.nio.charset.StandardCharsets.UTF_16BE),
                "{}".getBytes(java.nio.charset.StandardCharsets.UTF_16LE),
                "{\"text\":\"a\"}".getBytes(java.nio.charset.StandardCharsets.UTF_16), // with BOM
                new byte[] {0, 0, 0, '{', 0, 0, 0, '}'});
        for (byte[] body : bodies) {
            Throwable thrown = catchThrowable(() -> Json.readTree(body));
            assertThat(thrown).as(printable(body)).isInstanceOf(ApiException.class);
            assertThat(((ApiException) thrown).code()).isEqualTo(ErrorCode.INVALID_REQUEST);
        }
        assertThat(Json.readTree(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'}).isObject()).isTrue();
    }

    /** Byte-order-mark / encoding-detection paths (UTF-16, UTF-32) must not escape as other exceptions. */
    @Test
    void bodies_that_look_like_other_encodings_fail_as_invalid_request_or_decode() {
        List<byte[]> bodies = new ArrayList<>();
        bodies.add(new byte[] {0, 0, 0, '{', 0, 0, 0, '}'});
        bodies.add(new byte[] {0, 0, 0, '{', (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
        bodies.add(new byte[] {0, 0, 0, '{', 0, 0});
        bodies.add(new byte[] {'{', 0, 0, 0, '}', 0, 0, 0});
        bodies.add(new byte[] {'{', 0, 0, 0, 0, 0, (byte) 0x11, 0});
        bodies.add(new byte[] {0, 0, (byte) 0xFE, (byte) 0xFF, 0, 0, 0, '{', 0, 0, 0, '}'});
        bodies.add(new byte[] {(byte) 0xFF, (byte) 0xFE, 0, 0, '{', 0, 0, 0});
        bodies.add(new byte[] {0, '{', 0, '}'});
        bodies.add(new byte[] {'{', 0, '}', 0});
        bodies.add(new byte[] {(byte) 0xFE, (byte) 0xFF, 0, '{', (byte) 0xD8, 0, 0, '}'});
        bodies.add(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'});
        for (byte[] body : bodies) {
            Throwable thrown = catchThrowable(() -> Json.read(body, Probe.class));
            if (thrown != null) {
                assertThat(thrown).as(printable(body)).isInstanceOf(ApiException.class);
                assertThat(((ApiException) thrown).code()).isEqualTo(ErrorCode.INVALID_REQUEST);
            }
        }
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] mutate(Random random, byte[] seed, String structural) {
        List<Byte> bytes = new ArrayList<>();
        for (byte b : seed) {
            bytes.add(b);
        }
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int at = bytes.isEmpty() ? 0 : random.nextInt(bytes.size() + 1);
            switch (random.nextInt(6)) {
                case 0 -> {
                    if (!bytes.isEmpty()) {
                        bytes.remove(Math.min(at, bytes.size() - 1));
                    }
                }
                case 1 -> bytes.add(at, (byte) structural.charAt(random.nextInt(structural.length())));
                case 2 -> bytes.add(at, (byte) random.nextInt(256));
                case 3 -> { // an invalid or truncated UTF-8 sequence
                    byte[][] bad = {{(byte) 0xC3, 0x28}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xF0, (byte) 0x9F},
                            {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xFE}};
                    byte[] chosen = bad[random.nextInt(bad.length)];
                    for (int k = chosen.length - 1; k >= 0; k--) {
                        bytes.add(at, chosen[k]);
                    }
                }
                case 4 -> { // a run of opening brackets
                    int n = 1 + random.nextInt(80);
                    char c = random.nextBoolean() ? '[' : '{';
                    for (int k = 0; k < n; k++) {
                        bytes.add(at, (byte) c);
                    }
                }
                default -> { // duplicate a slice
                    if (!bytes.isEmpty()) {
                        int from = random.nextInt(bytes.size());
                        int to = Math.min(bytes.size(), from + random.nextInt(16));
                        bytes.addAll(at, new ArrayList<>(bytes.subList(from, to)));
                    }
                }
            }
        }
        byte[] out = new byte[bytes.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = bytes.get(k);
        }
        return out;
    }

    private static byte[] longString(Random random) {
        int length = 1_000 + random.nextInt(100_000);
        StringBuilder text = new StringBuilder(length);
        for (int k = 0; k < length; k++) {
            text.append((char) ('a' + random.nextInt(26)));
        }
        String field = switch (random.nextInt(4)) {
            case 0 -> "text";
            case 1 -> "some_field";
            case 2 -> "tags\":[\"";
            default -> text.substring(0, 50);
        };
        String body = random.nextBoolean()
                ? "{\"" + field + "\":\"" + text + "\"}"
                : "{\"" + field + "\":\"" + text; // truncated
        byte[] bytes = utf8(body);
        if (random.nextInt(4) == 0) {
            bytes[bytes.length / 2] = (byte) 0xC3; // break UTF-8 in the middle
            bytes[bytes.length / 2 + 1] = 0x28;
        }
        return bytes;
    }

    private static String printable(byte[] body) {
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < Math.min(body.length, 200); k++) {
            int b = body[k] & 0xFF;
            s.append(b >= 0x20 && b < 0x7F ? String.valueOf((char) b) : String.format("\\x%02X", b));
        }
        return s.toString();
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {
            "{\"text\":\"a\\u0000b\"}", "{\"text\":\"\\ud800\"}", "{\"text\":\"x\\uDC00y\"}",
            "{\"tags\":[\"ok\",\"\\uD83D\"]}", "{\"metadata\":{\"k\":\"\\u0000\"}}", "{\"metadata\":{\"\\u0000\":\"v\"}}"})
    void nul_characters_and_unpaired_surrogates_are_refused_wherever_they_are(String body) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Json.read(body.getBytes(java.nio.charset.StandardCharsets.UTF_8), Probe.class))
                .isInstanceOfSatisfying(dev.msgbubbles.common.ApiException.class, e -> {
                    org.assertj.core.api.Assertions.assertThat(e.code()).isEqualTo(dev.msgbubbles.common.ErrorCode.INVALID_REQUEST);
                    org.assertj.core.api.Assertions.assertThat(e.getMessage()).contains("NUL");
                });
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {
            "{\"name\":\"\\ud83d\\ude00 paired\"}", "{\"name\":\"\\\\u0000 is six characters\"}", "{\"name\":\"\\u00e9\"}"})
    void paired_surrogates_and_escaped_backslashes_pass(String body) {
        Inner inner = Json.read(body.getBytes(java.nio.charset.StandardCharsets.UTF_8), Inner.class);
        org.assertj.core.api.Assertions.assertThat(inner.name()).isNotEmpty();
    }

    @Test
    void the_byte_scan_finds_only_the_escapes_that_matter() {
        org.assertj.core.api.Assertions.assertThat(Json.mayHoldUnstorableEscape("{\"t\":\"\\u0000\"}".getBytes())).isTrue();
        org.assertj.core.api.Assertions.assertThat(Json.mayHoldUnstorableEscape("{\"t\":\"\\uDbFF\"}".getBytes())).isTrue();
        org.assertj.core.api.Assertions.assertThat(Json.mayHoldUnstorableEscape("{\"t\":\"\\u00e9 \\uD7FF\"}".getBytes())).isFalse();
        org.assertj.core.api.Assertions.assertThat(Json.mayHoldUnstorableEscape("{\"t\":\"plain\"}".getBytes())).isFalse();
    }
}

package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A fuzzing pass over every public route: random and malformed bodies, wrong types, odd and huge Unicode, broken
 * JSON, odd headers and query strings, garbage ids. Whatever arrives, the answer is never a 5xx and never leaks a
 * stack trace, and every error has the documented shape. The generator is seeded ({@link #SEED}): a failure names
 * the request, and the same seed reproduces the whole run. One subclass per store (PostgreSQL refuses some text,
 * such as NUL characters, that SQLite stores).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FuzzContract {
    static final long SEED = 20261123L;
    private static final int REQUESTS = 1500;
    private static final int MAX_BODY = 1_048_576; // MSGBUBBLES_MAX_BODY_BYTES' default
    private static final List<String[]> ROUTES = List.of(
            new String[] {"GET", "/healthz"}, new String[] {"GET", "/readyz"}, new String[] {"GET", "/metrics"},
            new String[] {"GET", "/v1/numbers"},
            new String[] {"POST", "/v1/messages"}, new String[] {"GET", "/v1/messages"},
            new String[] {"GET", "/v1/messages/{message}"}, new String[] {"DELETE", "/v1/messages/{message}"},
            new String[] {"POST", "/v1/messages/{message}/react"}, new String[] {"POST", "/v1/messages/{message}/edit"},
            new String[] {"POST", "/v1/messages/{message}/unsend"}, new String[] {"POST", "/v1/messages/{message}/retry"},
            new String[] {"GET", "/v1/handles/availability"},
            new String[] {"POST", "/v1/sandbox/inbound"}, new String[] {"POST", "/v1/sandbox/typing"},
            new String[] {"GET", "/v1/chats"}, new String[] {"GET", "/v1/chats/{chat}"},
            new String[] {"POST", "/v1/chats"}, new String[] {"PATCH", "/v1/chats/{group}"},
            new String[] {"POST", "/v1/chats/{group}/participants"},
            new String[] {"DELETE", "/v1/chats/{group}/participants/{handle}"},
            new String[] {"POST", "/v1/chats/{chat}/read"}, new String[] {"POST", "/v1/chats/{chat}/typing"},
            new String[] {"POST", "/v1/chats/{group}/read"}, new String[] {"POST", "/v1/chats/{group}/typing"},
            new String[] {"POST", "/v1/attachments"}, new String[] {"POST", "/v1/attachments/presign"},
            new String[] {"GET", "/v1/attachments/{attachment}"}, new String[] {"GET", "/media/attachments/{attachment}"},
            new String[] {"PUT", "/media/uploads/{attachment}"},
            new String[] {"POST", "/v1/webhooks"}, new String[] {"GET", "/v1/webhooks"},
            new String[] {"GET", "/v1/webhooks/{webhook}"}, new String[] {"PATCH", "/v1/webhooks/{webhook}"},
            new String[] {"DELETE", "/v1/webhooks/{webhook}"}, new String[] {"POST", "/v1/webhooks/{webhook}/rotate-secret"},
            new String[] {"GET", "/v1/webhooks/{webhook}/deliveries"},
            new String[] {"GET", "/v1/webhooks/{webhook}/deliveries/{delivery}"},
            new String[] {"POST", "/v1/webhooks/{webhook}/deliveries/{delivery}/retry"},
            new String[] {"POST", "/v1/webhooks/{webhook}/replay"}, new String[] {"POST", "/v1/webhooks/{webhook}/test"},
            new String[] {"GET", "/v1/events"}, new String[] {"GET", "/v1/events/stream"},
            new String[] {"PUT", "/v1/messages"}, new String[] {"GET", "/v1/nope"});
    private static final List<String> FIELDS = List.of("to", "from_handle", "conversation_id", "text", "attachment_ids",
            "reply_to", "effect", "channel", "voice_memo", "scheduled_at", "metadata", "reaction", "remove", "url",
            "events", "enabled", "since", "from", "to_handle", "typing", "handle", "addresses", "message", "title");
    private static final List<String> QUERY = List.of("limit", "before", "after", "types", "status", "direction", "to",
            "conversation_id", "handle", "x");

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
    private final Random random = new Random(SEED);
    private TestStore store;
    private App app;
    private Http http;
    private String key;
    private final Map<String, List<String>> ids = new LinkedHashMap<>();

    abstract TestStore newStore();

    @BeforeAll
    void start() {
        store = newStore();
        app = App.start(store.config(Map.of("MSGBUBBLES_WORKER_ENABLED", "false", "MSGBUBBLES_RATE_LIMIT_PER_MINUTE",
                "10000000", "MSGBUBBLES_WEBHOOK_TIMEOUT_MS", "200",
                // uploads are held to their own limit (the listener's): small here, so an oversized body is over it too
                "MSGBUBBLES_ATTACHMENT_MAX_FILE_BYTES", "1024", "MSGBUBBLES_ATTACHMENT_MAX_REQUEST_BYTES", "1024")), clock);
        http = new Http(app.port());
        key = app.bootstrapped().orElseThrow().testKey().key();
        JsonNode message = http.postJson("/v1/messages", key,
                "{\"to\":\"+14155551234\",\"from_handle\":\"+18005550100\",\"text\":\"fuzz\"}").json().path("data");
        JsonNode webhook = http.postJson("/v1/webhooks", key, "{\"url\":\"https://93.184.216.34/fuzz\"}").json().path("data");
        JsonNode delivery = http.postJson("/v1/webhooks/" + webhook.path("id").asText() + "/test", key, "{}")
                .json().path("data");
        JsonNode group = http.postJson("/v1/chats", key, "{\"from_handle\":\"+18005550100\",\"addresses\":"
                + "[\"+14155551234\",\"+14155551235\",\"+14155551236\"],\"message\":\"fuzz group\"}").json().path("data");
        app.worker().drain(); // the group's first message goes out: it is established
        ids.put("{group}", List.of(group.path("id").asText()));
        ids.put("{handle}", List.of("+14155551236"));
        ids.put("{message}", List.of(message.path("id").asText()));
        JsonNode presigned = http.postJson("/v1/attachments/presign", key, "{\"filename\":\"f.png\",\"content_type\":\"image/png\"}")
                .json().path("data");
        ids.put("{attachment}", List.of(presigned.path("id").asText()));
        ids.put("{chat}", List.of(message.path("conversation_id").asText()));
        ids.put("{webhook}", List.of(webhook.path("id").asText()));
        ids.put("{delivery}", List.of(delivery.path("id").asText()));
    }

    @AfterAll
    void stop() {
        app.close();
        store.close();
    }

    @Test
    void no_input_gets_a_5xx_or_a_stack_trace_and_every_error_has_the_documented_shape() {
        for (int i = 0; i < REQUESTS; i++) {
            String[] route = ROUTES.get(random.nextInt(ROUTES.size()));
            String method = route[0];
            String path = path(route[1]);
            boolean stream = route[1].equals("/v1/events/stream");
            String query = query(stream);
            Map<String, String> headers = headers(stream);
            String contentType = pick("application/json", "application/json", "application/json; charset=utf-8",
                    "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", null);
            byte[] body = method.equals("GET") && random.nextInt(4) > 0 ? null : body();
            String apiKey = random.nextInt(25) == 0 ? pick(null, "nope", "mb_test_" + "x".repeat(40)) : key;
            String description = "#" + i + " (seed " + SEED + "): " + method + " " + path + query + " content-type="
                    + contentType + " headers=" + headers.keySet() + " body=" + preview(body);

            Http.Response response;
            try {
                response = body != null && body.length > MAX_BODY
                        ? oversized(method, path + query, apiKey, body.length)
                        : http.send(method, path + query, apiKey, contentType, body, headers);
            } catch (java.io.UncheckedIOException e) {
                throw new AssertionError("no answer to " + description, e);
            }

            assertThat(response.status()).as(description + " -> " + response.text()).isLessThan(500);
            assertThat(response.text()).as(description).doesNotContain("Exception").doesNotContain("\tat ")
                    .doesNotContain("dev.msgbubbles.").doesNotContain("java.lang");
            if (response.status() >= 400) {
                JsonNode error = Http.parse(response.text());
                assertThat(error.path("error").isTextual()).as(description + " -> " + response.text()).isTrue();
                assertThat(error.path("message").isTextual()).as(description).isTrue();
                assertThat(error.path("request_id").asText()).as(description).startsWith("req_");
            }
        }
    }

    /**
     * A body over the limit is announced, not sent: with {@code Expect: 100-continue} the server answers before the
     * client writes it, as a careful client would have it (one that writes first races the server's early answer
     * and its closing of the connection).
     */
    private Http.Response oversized(String method, String target, String apiKey, int length) {
        String head = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + (apiKey == null ? "" : "Authorization: Bearer " + apiKey + "\r\n")
                + "Content-Length: " + length + "\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n";
        String raw = http.raw(head.getBytes(StandardCharsets.UTF_8));
        int status = Integer.parseInt(raw.substring(9, 12));
        int bodyAt = raw.indexOf("\r\n\r\n");
        assertThat(status).as(target + " with " + length + " bytes announced: " + raw).isIn(413, 414, 431);
        return new Http.Response(status, Map.of(), bodyAt < 0 ? "" : raw.substring(bodyAt + 4));
    }

    private String path(String template) {
        StringBuilder out = new StringBuilder();
        for (String segment : template.split("/", -1)) {
            if (!out.isEmpty() || !segment.isEmpty()) {
                out.append('/');
            }
            if (segment.startsWith("{")) {
                int roll = random.nextInt(4);
                String value = roll == 0 ? inUrl(weird()) : roll == 1 ? UUID.randomUUID().toString() : ids.get(segment).getFirst();
                out.append(URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20"));
            } else {
                out.append(segment);
            }
        }
        return out.toString();
    }

    private String query(boolean stream) {
        List<String> parts = new ArrayList<>();
        if (stream) {
            parts.add("after=" + pick("-1", "x", "1.5", "%20", "99999999999999999999")); // never a valid stream
        }
        int count = random.nextInt(4);
        for (int i = 0; i < count; i++) {
            parts.add(URLEncoder.encode(QUERY.get(random.nextInt(QUERY.size())), StandardCharsets.UTF_8) + "="
                    + URLEncoder.encode(inUrl(weird()), StandardCharsets.UTF_8));
        }
        return parts.isEmpty() ? "" : "?" + String.join("&", parts);
    }

    /**
     * At most 40 characters of a value for a URL: the request line stays under the server's limit (a longer one
     * is refused with 414, checked on its own below), so what is fuzzed here is the value, not the line's length.
     */
    private static String inUrl(String value) {
        return value.length() <= 40 ? value : value.substring(0, Character.isHighSurrogate(value.charAt(39)) ? 39 : 40);
    }

    /** Valid requests with one field changed: what random bodies rarely reach (the store, the backend, events). */
    private static final List<String[]> TEMPLATES = List.of(
            new String[] {"POST", "/v1/messages", "{\"to\":\"+14155551234\",\"from_handle\":\"+18005550100\",\"text\":\"hi\",\"metadata\":{\"k\":\"v\"}}"},
            new String[] {"POST", "/v1/messages", "{\"to\":\"+14155551234\",\"from_handle\":\"+18005550100\",\"text\":\"hi\",\"scheduled_at\":\"2026-11-24T10:00:00Z\"}"},
            new String[] {"POST", "/v1/messages/{message}/react", "{\"reaction\":\"like\"}"},
            new String[] {"POST", "/v1/messages/{message}/edit", "{\"text\":\"edited\"}"},
            new String[] {"POST", "/v1/sandbox/inbound", "{\"from\":\"+14155551234\",\"to_handle\":\"+18005550100\",\"text\":\"hi\"}"},
            new String[] {"POST", "/v1/sandbox/typing", "{\"from\":\"+14155551234\",\"to_handle\":\"+18005550100\",\"typing\":true}"},
            new String[] {"POST", "/v1/webhooks", "{\"url\":\"https://93.184.216.34/x\",\"events\":[\"message.sent\"]}"},
            new String[] {"PATCH", "/v1/webhooks/{webhook}", "{\"url\":\"https://93.184.216.34/y\",\"enabled\":true}"},
            new String[] {"POST", "/v1/webhooks/{webhook}/replay", "{\"since\":\"2026-11-23T09:00:00Z\"}"},
            new String[] {"POST", "/v1/chats", "{\"from_handle\":\"+18005550100\",\"addresses\":[\"+14155551234\",\"+14155551237\"],\"message\":\"hi\",\"title\":\"t\"}"},
            new String[] {"PATCH", "/v1/chats/{group}", "{\"title\":\"renamed\"}"},
            new String[] {"POST", "/v1/chats/{group}/participants", "{\"handle\":\"+14155551238\"}"},
            new String[] {"POST", "/v1/chats/{chat}/typing", "{\"typing\":true}"},
            new String[] {"POST", "/v1/attachments/presign", "{\"filename\":\"a.png\",\"content_type\":\"image/png\"}"},
            new String[] {"POST", "/v1/messages", "{\"to\":\"+14155551234\",\"from_handle\":\"+18005550100\",\"attachment_ids\":[\"{attachment}\"]}"},
            new String[] {"POST", "/v1/sandbox/inbound", "{\"from\":\"+14155551234\",\"conversation_id\":\"{group}\",\"text\":\"hi\"}"});

    @Test
    void valid_requests_with_one_field_changed_never_get_a_5xx() {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        for (int i = 0; i < 400; i++) {
            String[] template = TEMPLATES.get(random.nextInt(TEMPLATES.size()));
            String path = template[1];
            for (var entry : ids.entrySet()) {
                path = path.replace(entry.getKey(), entry.getValue().getFirst());
            }
            com.fasterxml.jackson.databind.node.ObjectNode body;
            try {
                String valid = template[2];
                for (var entry : ids.entrySet()) {
                    valid = valid.replace(entry.getKey(), entry.getValue().getFirst());
                }
                body = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(valid);
                List<String> names = new ArrayList<>();
                body.fieldNames().forEachRemaining(names::add);
                String field = names.get(random.nextInt(names.size()));
                body.set(field, mapper.readTree(value(random.nextInt(4))));
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            String json = body.toString();
            String description = "#" + i + " (seed " + SEED + "): " + template[0] + " " + path + " " + preview(json.getBytes(StandardCharsets.UTF_8));
            Http.Response response;
            try {
                response = http.send(template[0], path, key, "application/json", json.getBytes(StandardCharsets.UTF_8), Map.of());
            } catch (java.io.UncheckedIOException e) {
                throw new AssertionError("no answer to " + description, e);
            }
            assertThat(response.status()).as(description + " -> " + response.text()).isLessThan(500);
            assertThat(response.text()).as(description).doesNotContain("Exception").doesNotContain("\tat ");
        }
    }

    @Test
    void text_with_nul_or_lone_surrogates_is_refused_or_stored_never_a_5xx() {
        for (String text : List.of("a\\u0000b", "\\ud800", "x\\udfff", "\\u0000")) {
            for (String[] request : List.of(
                    new String[] {"/v1/messages", "{\"to\":\"+14155551234\",\"from_handle\":\"+18005550100\",\"text\":\"" + text + "\"}"},
                    new String[] {"/v1/messages", "{\"to\":\"+14155551234\",\"from_handle\":\"+18005550100\",\"text\":\"ok\",\"metadata\":{\"k\":\"" + text + "\"}}"},
                    new String[] {"/v1/sandbox/inbound", "{\"from\":\"+14155551234\",\"to_handle\":\"+18005550100\",\"text\":\"" + text + "\"}"},
                    new String[] {"/v1/messages/" + ids.get("{message}").getFirst() + "/edit", "{\"text\":\"" + text + "\"}"})) {
                Http.Response response = http.postJson(request[0], key, request[1]);
                assertThat(response.status()).as(request[1] + " -> " + response.text()).isLessThan(500);
            }
        }
    }

    @Test
    void utf8_that_is_not_well_formed_is_refused_with_400_on_every_text_route() {
        // overlong NUL (C0 80, E0 80 80) once reached PostgreSQL and failed there (500); past U+10FFFF was stored as "??"
        for (byte[] bad : List.of(new byte[] {(byte) 0xC0, (byte) 0x80}, new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0x80},
                new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80})) {
            String marker = "\u0001";
            for (String[] request : List.of(
                    new String[] {"POST", "/v1/messages", "{\"to\":\"+14155551234\",\"from_handle\":\"+18005550100\",\"text\":\"a" + marker + "b\"}"},
                    new String[] {"POST", "/v1/sandbox/inbound", "{\"from\":\"+14155551234\",\"to_handle\":\"+18005550100\",\"text\":\"" + marker + "\"}"},
                    new String[] {"POST", "/v1/messages/" + ids.get("{message}").getFirst() + "/edit", "{\"text\":\"" + marker + "\"}"},
                    new String[] {"PATCH", "/v1/chats/" + ids.get("{group}").getFirst(), "{\"title\":\"" + marker + "\"}"},
                    new String[] {"PATCH", "/v1/webhooks/" + ids.get("{webhook}").getFirst(), "{\"url\":\"https://93.184.216.34/#" + marker + "\"}"})) {
                byte[] json = request[2].getBytes(StandardCharsets.UTF_8);
                java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
                for (byte b : json) {
                    if (b == 1) {
                        body.writeBytes(bad);
                    } else {
                        body.write(b);
                    }
                }
                Http.Response response = http.send(request[0], request[1], key, "application/json", body.toByteArray(), Map.of());
                assertThat(response.status()).as(request[1] + " with " + java.util.HexFormat.of().formatHex(bad) + " -> "
                        + response.text()).isEqualTo(400);
                assertThat(Http.parse(response.text()).path("error").asText()).isEqualTo("invalid_request");
            }
        }
    }

    @Test
    void timestamps_beyond_the_years_the_api_writes_are_400_where_they_were_500() {
        String webhook = "/v1/webhooks/" + ids.get("{webhook}").getFirst();
        for (String time : List.of("-999999999-01-01T00:00:00Z", "+292278995-01-01T00:00:00Z", "+10000-01-01T00:00:00Z")) {
            String query = "?before=" + URLEncoder.encode(time, StandardCharsets.UTF_8);
            for (String path : List.of("/v1/messages", "/v1/chats", "/v1/webhooks", webhook + "/deliveries",
                    "/v1/messages?conversation_id=" + ids.get("{chat}").getFirst() + "&before=")) {
                String target = path.endsWith("=") ? path + URLEncoder.encode(time, StandardCharsets.UTF_8) : path + query;
                Http.Response response = http.get(target, key);
                assertThat(response.status()).as(target + " -> " + response.text()).isEqualTo(400);
                assertThat(Http.parse(response.text()).path("param").asText()).isEqualTo("before");
            }
            Http.Response replay = http.postJson(webhook + "/replay", key, "{\"since\":\"" + time + "\"}");
            assertThat(replay.status()).as(replay.text()).isEqualTo(400);
            assertThat(Http.parse(replay.text()).path("param").asText()).isEqualTo("since");
            Http.Response scheduled = http.postJson("/v1/messages", key, "{\"to\":\"+14155551234\",\"from_handle\":"
                    + "\"+18005550100\",\"text\":\"later\",\"scheduled_at\":\"" + time + "\"}");
            assertThat(scheduled.status()).as(scheduled.text()).isEqualTo(400);
        }
    }

    @Test
    void a_request_line_over_the_limit_gets_414_in_the_documented_shape() {
        String raw = http.raw(("GET /v1/messages?to=" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Authorization: Bearer " + key + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        assertThat(raw).startsWith("HTTP/1.1 414");
        JsonNode error = Http.parse(raw.substring(raw.indexOf("\r\n\r\n") + 4));
        assertThat(error.path("error").asText()).isEqualTo("invalid_request");
        assertThat(error.path("request_id").asText()).startsWith("req_");
    }

    private Map<String, String> headers(boolean stream) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (random.nextInt(3) == 0) {
            headers.put("Idempotency-Key", printable(weird()));
        }
        if (stream || random.nextInt(6) == 0) {
            headers.put("Last-Event-ID", pick("-5", "x", "", "1e3", "18446744073709551616"));
        }
        return headers;
    }

    /** Header values must be printable ASCII to be sent at all: the JDK client refuses the rest. */
    private static String printable(String value) {
        StringBuilder out = new StringBuilder();
        value.chars().filter(c -> c >= 0x20 && c < 0x7f).limit(400).forEach(c -> out.append((char) c));
        return out.toString();
    }

    private byte[] body() {
        return switch (random.nextInt(10)) {
            case 0 -> pick("", "{", "[", "{\"to\":", "}", "null", "[]", "\"text\"", "{\"a\":1}}", "\ufeff{}")
                    .getBytes(StandardCharsets.UTF_8);
            case 1 -> {
                byte[] bytes = new byte[random.nextInt(200)];
                random.nextBytes(bytes);
                yield bytes;
            }
            case 2 -> ("[".repeat(5000) + "]".repeat(5000)).getBytes(StandardCharsets.UTF_8);
            case 3 -> new byte[] {'{', '"', 't', 'o', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
            case 4 -> ("{\"text\":\"" + "x".repeat(1_100_000) + "\"}").getBytes(StandardCharsets.UTF_8);
            default -> object(0).getBytes(StandardCharsets.UTF_8);
        };
    }

    private String object(int depth) {
        List<String> members = new ArrayList<>();
        int count = random.nextInt(5);
        for (int i = 0; i < count; i++) {
            members.add(json(FIELDS.get(random.nextInt(FIELDS.size()))) + ":" + value(depth + 1));
        }
        return "{" + String.join(",", members) + "}";
    }

    private String value(int depth) {
        return switch (random.nextInt(depth > 3 ? 6 : 9)) {
            case 0 -> "null";
            case 1 -> pick("true", "false");
            case 2 -> pick("0", "-1", "1.5", "1e400", "-0", "9223372036854775808", "12345678901234567890123");
            case 3, 4, 5 -> json(weird());
            case 6 -> "[" + value(depth + 1) + "," + value(depth + 1) + "]";
            case 7 -> object(depth);
            default -> "[]";
        };
    }

    private String weird() {
        return switch (random.nextInt(16)) {
            case 0 -> "";
            case 1 -> "\u0000";
            case 2 -> "\ud800";
            case 3 -> "\u202e\u0301\ufeff";
            case 4 -> "\ud83d\ude00".repeat(50);
            case 5 -> "a".repeat(random.nextInt(3) == 0 ? 20_000 : 300);
            case 6 -> "%zz%00";
            case 7 -> "../../etc/passwd";
            case 8 -> "' OR 1=1 --";
            case 9 -> "+14155550" + (100 + random.nextInt(900));
            case 10 -> UUID.randomUUID().toString();
            case 11 -> "2026-11-23T10:00:00Z";
            case 12 -> "message.delivered,nope";
            case 13 -> "\n\r\t";
            case 14 -> Integer.toString(random.nextInt(200) - 100);
            default -> "https://93.184.216.34/" + random.nextInt(100);
        };
    }

    private static String json(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || Character.isSurrogate(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    @SafeVarargs
    private <T> T pick(T... options) {
        return options[random.nextInt(options.length)];
    }

    private static String preview(byte[] body) {
        if (body == null) {
            return "none";
        }
        String text = new String(body, StandardCharsets.UTF_8);
        return text.length() <= 200 ? text : text.substring(0, 200) + "… (" + body.length + " bytes)";
    }
}

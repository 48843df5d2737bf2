package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.msgbubbles.account.AccountNumber;
import dev.msgbubbles.account.Provider;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.event.Event;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.support.Http;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * iMessage groups and conversation controls end to end over HTTP, on both stores: creation (validation, idempotency,
 * establishment by the first message), rename and membership with the network's verdict, group sends and inbound
 * group messages, read receipts, typing, and isolation between accounts and modes.
 */
abstract class GroupsContract extends MessagingFixture {
    private static final Set<ChannelType> ALL = EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS, ChannelType.WHATSAPP);

    private Http.Response post(String path, String apiKey, String json) {
        return call("POST", path, apiKey, json, Map.of());
    }

    private Http.Response call(String method, String path, String apiKey, String json, Map<String, String> headers) {
        return json == null
                ? http.send(method, path, apiKey, null, null, headers)
                : http.send(method, path, apiKey, "application/json", json.getBytes(StandardCharsets.UTF_8), headers);
    }

    private static String groupBody(String from, String title, String... members) {
        return "{\"from_handle\":\"" + from + "\",\"addresses\":[\"" + String.join("\",\"", members) + "\"],"
                + "\"message\":\"welcome\"" + (title == null ? "" : ",\"title\":\"" + title + "\"") + "}";
    }

    private JsonNode createGroup(String apiKey, String from, String... members) {
        Http.Response created = post("/v1/chats", apiKey, groupBody(from, null, members));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        return created.json().path("data");
    }

    /** A group whose first message the network has accepted. */
    private String establishedGroup(String apiKey, String from, String... members) {
        String id = createGroup(apiKey, from, members).path("id").asText();
        tick(Duration.ZERO);
        return id;
    }

    private List<Event> events(Sender sender, Mode mode, String conversationId) {
        return app.database().read(h -> new EventLog(EventLog.Fanout.NONE).after(h, sender.account().account().id(), mode,
                0, 100_000)).stream().filter(e -> conversationId.equals(String.valueOf(e.conversationId()))).toList();
    }

    private List<Event> events(String conversationId) {
        var account = app.bootstrapped().orElseThrow().account().id();
        return app.database().read(h -> new EventLog(EventLog.Fanout.NONE).after(h, account, Mode.TEST, 0, 100_000))
                .stream().filter(e -> conversationId.equals(String.valueOf(e.conversationId()))).toList();
    }

    private static List<String> types(List<Event> events) {
        return events.stream().map(e -> e.type().wire()).toList();
    }

    private JsonNode thread(String apiKey, String conversationId) {
        Http.Response listed = http.get("/v1/messages?conversation_id=" + conversationId + "&limit=100", apiKey);
        assertThat(listed.status()).as(listed.text()).isEqualTo(200);
        return listed.json().path("data");
    }

    private static String participantPath(String group, String handle) {
        return "/v1/chats/" + group + "/participants/" + handle.replace("+", "%2B");
    }

    @Test
    void a_group_is_created_with_its_first_message_and_established_when_the_network_accepts_it() {
        Http.Response created = post("/v1/chats", key, groupBody(SANDBOX, "Launch crew", to("1001"), to("1002")));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        JsonNode group = created.json().path("data");
        String id = group.path("id").asText();
        assertThat(group.path("is_group").asBoolean()).isTrue();
        assertThat(group.path("remote_handle").isNull()).isTrue();
        assertThat(group.path("from_handle").asText()).isEqualTo(SANDBOX);
        assertThat(group.path("title").asText()).isEqualTo("Launch crew");
        assertThat(group.path("participants").toString()).isEqualTo("[\"" + to("1001") + "\",\"" + to("1002") + "\"]");
        assertThat(group.path("last_message_at").asText()).isEqualTo(group.path("created_at").asText());

        JsonNode first = thread(key, id).get(0);
        assertThat(first.path("text").asText()).isEqualTo("welcome");
        assertThat(first.path("status").asText()).isEqualTo("queued");
        assertThat(first.path("to").isNull()).isTrue();
        assertThat(first.path("from_handle").asText()).isEqualTo(SANDBOX);
        // not established until the network has taken the first message
        assertError(call("PATCH", "/v1/chats/" + id, key, "{\"title\":\"too soon\"}", Map.of()), 409, "not_a_group", null);
        assertError(post("/v1/chats/" + id + "/participants", key, "{\"handle\":\"" + to("1003") + "\"}"), 409,
                "not_a_group", null);

        tick(Duration.ZERO);
        assertThat(status(first.path("id").asText())).isEqualTo("sent");
        assertThat(get(first.path("id").asText()).path("channel").asText()).isEqualTo("imessage");
        tick(Duration.ofMillis(200));
        assertThat(status(first.path("id").asText())).isEqualTo("delivered");
        tick(Duration.ofSeconds(5));
        assertThat(status(first.path("id").asText())).as("iMessage groups send no read receipts").isEqualTo("delivered");

        Http.Response renamed = call("PATCH", "/v1/chats/" + id, key, "{\"title\":\"Launch crew 2\"}", Map.of());
        assertThat(renamed.status()).as(renamed.text()).isEqualTo(200);
        assertThat(renamed.json().path("data").path("title").asText()).isEqualTo("Launch crew 2");
        assertThat(http.get("/v1/chats/" + id, key).json().path("data").path("title").asText()).isEqualTo("Launch crew 2");
        assertThat(http.get("/v1/chats?limit=100", key).json().path("data").findValuesAsText("id")).contains(id);

        List<Event> events = events(id);
        assertThat(types(events)).containsExactly("chat.created", "message.queued", "message.sent", "message.delivered",
                "chat.updated");
        JsonNode chatCreated = Http.parse(events.getFirst().payload());
        assertThat(chatCreated.path("id").asText()).isEqualTo(id);
        assertThat(chatCreated.path("participants").size()).isEqualTo(2);
        assertThat(Http.parse(events.getLast().payload()).path("title").asText()).isEqualTo("Launch crew 2");
    }

    @Test
    void group_creation_validates_every_field_and_a_refusal_creates_nothing() {
        Sender sender = newSender("group-validation", ALL, Mode.TEST, Provider.SANDBOX);
        String k = sender.testKey();
        String from = sender.handle();
        String two = "\"addresses\":[\"" + to("1101") + "\",\"" + to("1102") + "\"]";
        assertError(post("/v1/chats", k, "{" + two + ",\"message\":\"m\"}"), 400, "invalid_request", "from_handle");
        assertError(post("/v1/chats", k, "{\"from_handle\":\"555\"," + two + ",\"message\":\"m\"}"), 400, "invalid_handle",
                "from_handle");
        assertError(post("/v1/chats", k, "{\"from_handle\":\"+18005559999\"," + two + ",\"message\":\"m\"}"), 400,
                "invalid_from_handle", "from_handle");
        Sender smsOnly = newSender("group-sms", EnumSet.of(ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
        assertError(post("/v1/chats", smsOnly.testKey(), groupBody(smsOnly.handle(), null, to("1101"), to("1102"))), 400,
                "invalid_from_handle", "from_handle");
        assertError(post("/v1/chats", k, "{\"from_handle\":\"" + from + "\",\"message\":\"m\"}"), 400, "invalid_request",
                "addresses");
        assertError(post("/v1/chats", k, groupBody(from, null, to("1101"))), 400, "invalid_request", "addresses");
        String[] many = new String[32];
        for (int i = 0; i < many.length; i++) {
            many[i] = "+1415556" + String.format("%04d", 1000 + i);
        }
        assertError(post("/v1/chats", k, groupBody(from, null, many)), 400, "invalid_request", "addresses");
        assertThat(post("/v1/chats", k, groupBody(from, null, java.util.Arrays.copyOf(many, 31))).status()).isEqualTo(201);
        assertError(post("/v1/chats", k, groupBody(from, null, to("1101"), "not-a-handle")), 400, "invalid_handle",
                "addresses[1]");
        assertError(post("/v1/chats", k, groupBody(from, null, "Bob@Example.com", "bob@example.com")), 400,
                "invalid_request", "addresses[1]");
        assertError(post("/v1/chats", k, groupBody(from, null, from, to("1102"))), 400, "invalid_request", "addresses[0]");
        assertError(post("/v1/chats", k, groupBody(from, null, to("1101"), to("0205"))), 400, "invalid_handle",
                "addresses[1]");
        assertError(post("/v1/chats", k, "{\"from_handle\":\"" + from + "\"," + two + "}"), 400, "invalid_request", "message");
        assertError(post("/v1/chats", k, "{\"from_handle\":\"" + from + "\"," + two + ",\"message\":\"\"}"), 400,
                "invalid_request", "message");
        assertError(post("/v1/chats", k, "{\"from_handle\":\"" + from + "\"," + two + ",\"message\":\"" + "x".repeat(10_001)
                + "\"}"), 400, "invalid_request", "message");
        assertError(post("/v1/chats", k, groupBody(from, "t".repeat(101), to("1101"), to("1102"))), 400, "invalid_request",
                "title");
        assertError(post("/v1/chats", k, groupBody(from, "   ", to("1101"), to("1102"))), 400, "invalid_request", "title");
        assertError(post("/v1/chats", k, "{\"from_handle\":\"" + from + "\"," + two + ",\"message\":\"m\",\"name\":\"x\"}"),
                400, "invalid_request", "name");
        assertError(post("/v1/chats", k, "{\"from_handle\":\"" + from + "\",\"addresses\":\"" + to("1101") + "\",\"message\":\"m\"}"),
                400, "invalid_request", "addresses");
        assertError(post("/v1/chats", k, "{\"from_handle\":\"" + from + "\"," + two + ",\"message\":7}"), 400,
                "invalid_request", "message");
        assertError(post("/v1/chats", k, "{\"from_handle\":\"" + from + "\","), 400, "invalid_request", null);
        assertError(http.send("POST", "/v1/chats", k, "text/plain", groupBody(from, null, to("1101"), to("1102"))
                .getBytes(StandardCharsets.UTF_8), Map.of()), 400, "invalid_request", null);

        // only the one valid request above created anything
        JsonNode chats = http.get("/v1/chats?limit=100", k).json().path("data");
        assertThat(chats.size()).isEqualTo(1);
        assertThat(chats.get(0).path("participants").size()).isEqualTo(31);
        assertThat(http.get("/v1/messages?limit=100", k).json().path("data").size()).isEqualTo(1);
        // a refused request does not consume its Idempotency-Key
        Map<String, String> idem = Map.of("Idempotency-Key", "validation-1");
        assertError(call("POST", "/v1/chats", k, groupBody(from, null, to("1101")), idem), 400, "invalid_request", "addresses");
        assertThat(call("POST", "/v1/chats", k, groupBody(from, null, to("1101"), to("1102")), idem).status()).isEqualTo(201);
    }

    @Test
    void a_repeated_idempotency_key_returns_the_same_group_and_concurrent_duplicates_create_one() throws Exception {
        Sender sender = newSender("group-idem", ALL, Mode.TEST, Provider.SANDBOX);
        String body = groupBody(sender.handle(), "Once", to("1201"), to("1202"));
        Http.Response first = call("POST", "/v1/chats", sender.testKey(), body, Map.of("Idempotency-Key", "group-1"));
        assertThat(first.status()).as(first.text()).isEqualTo(201);
        Http.Response again = call("POST", "/v1/chats", sender.testKey(), body, Map.of("Idempotency-Key", "group-1"));
        assertThat(again.status()).as(again.text()).isEqualTo(200);
        assertThat(again.header("Idempotent-Replayed")).contains("true");
        assertThat(again.json().path("data").path("id").asText()).isEqualTo(first.json().path("data").path("id").asText());
        assertError(call("POST", "/v1/chats", sender.testKey(), groupBody(sender.handle(), "Other", to("1201"), to("1202")),
                Map.of("Idempotency-Key", "group-1")), 409, "idempotency_key_reused", null);

        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Http.Response>> racers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                racers.add(() -> call("POST", "/v1/chats", sender.testKey(), body, Map.of("Idempotency-Key", "group-2")));
            }
            List<String> ids = new ArrayList<>();
            int createdCount = 0;
            for (Future<Http.Response> answer : pool.invokeAll(racers)) {
                Http.Response response = answer.get();
                assertThat(response.status()).as(response.text()).isIn(200, 201, 409);
                if (response.status() == 201) {
                    createdCount++;
                }
                if (response.status() == 409) {
                    assertThat(response.error()).isEqualTo("idempotency_in_progress");
                } else {
                    ids.add(response.json().path("data").path("id").asText());
                }
            }
            assertThat(createdCount).isEqualTo(1);
            assertThat(Set.copyOf(ids)).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(http.get("/v1/chats?limit=100", sender.testKey()).json().path("data").size()).isEqualTo(2);
        assertThat(http.get("/v1/messages?limit=100", sender.testKey()).json().path("data").size()).isEqualTo(2);
    }

    @Test
    void members_are_added_and_removed_with_the_networks_verdict() {
        String group = establishedGroup(key, SANDBOX, to("1301"), to("1302"));
        Http.Response added = post("/v1/chats/" + group + "/participants", key, "{\"handle\":\"" + to("1303") + "\"}");
        assertThat(added.status()).as(added.text()).isEqualTo(200);
        assertThat(added.json().path("data").path("participants").toString())
                .isEqualTo("[\"" + to("1301") + "\",\"" + to("1302") + "\",\"" + to("1303") + "\"]");
        assertError(post("/v1/chats/" + group + "/participants", key, "{\"handle\":\"" + to("1303") + "\"}"), 409,
                "conflict", "handle");
        assertError(post("/v1/chats/" + group + "/participants", key, "{\"handle\":\"" + SANDBOX + "\"}"), 400,
                "invalid_request", "handle");
        assertError(post("/v1/chats/" + group + "/participants", key, "{\"handle\":\"12\"}"), 400, "invalid_handle", "handle");
        assertError(post("/v1/chats/" + group + "/participants", key, "{\"handle\":\"" + to("0203") + "\"}"), 400,
                "invalid_handle", "handle");
        assertError(post("/v1/chats/" + group + "/participants", key, "{}"), 400, "invalid_request", "handle");
        assertError(post("/v1/chats/" + group + "/participants", key, "{\"handle\":\"" + to("1304") + "\",\"x\":1}"), 400,
                "invalid_request", "x");
        // the network's refusals: an unreachable contact, an unavailable backend
        assertError(post("/v1/chats/" + group + "/participants", key, "{\"handle\":\"" + to("0666") + "\"}"), 502,
                "add_participant_failed", null);
        assertError(post("/v1/chats/" + group + "/participants", key, "{\"handle\":\"" + to("0503") + "\"}"), 502,
                "add_participant_failed", null);

        Http.Response removed = call("DELETE", participantPath(group, to("1303")), key, null, Map.of());
        assertThat(removed.status()).as(removed.text()).isEqualTo(200);
        assertThat(removed.json().path("data").path("participants").size()).isEqualTo(2);
        assertError(call("DELETE", participantPath(group, to("1303")), key, null, Map.of()), 404, "not_found", "handle");
        assertError(call("DELETE", "/v1/chats/" + group + "/participants/nobody", key, null, Map.of()), 400,
                "invalid_handle", "handle");
        assertError(call("DELETE", participantPath(group, to("1302")), key, null, Map.of()), 409, "conflict", null);
        // a raw + in the path is a plus
        post("/v1/chats/" + group + "/participants", key, "{\"handle\":\"" + to("1305") + "\"}");
        assertThat(call("DELETE", "/v1/chats/" + group + "/participants/" + to("1305"), key, null, Map.of()).status())
                .isEqualTo(200);

        List<Event> membership = events(group).stream().filter(e -> e.type().wire().startsWith("chat.participant")).toList();
        assertThat(membership).extracting(e -> e.type().wire() + " " + Http.parse(e.payload()).path("handle").asText())
                .containsExactly("chat.participant_added " + to("1303"), "chat.participant_removed " + to("1303"),
                        "chat.participant_added " + to("1305"), "chat.participant_removed " + to("1305"));
        JsonNode payload = Http.parse(membership.getFirst().payload());
        assertThat(payload.path("conversation_id").asText()).isEqualTo(group);
        assertThat(payload.path("chat").path("participants").size()).isEqualTo(3);
        assertThat(http.get("/v1/chats/" + group, key).json().path("data").path("participants").size()).isEqualTo(2);
    }

    @Test
    void our_own_number_can_be_neither_added_to_nor_removed_from_its_group() {
        String group = establishedGroup(key, SANDBOX, to("1311"), to("1312"), to("1313"));
        // the number is in the group (it is the group's sender), just not among the contacts listed in participants:
        // removing it is refused as adding it is, not answered as if it were a stranger to the group
        Http.Response removed = call("DELETE", participantPath(group, SANDBOX), key, null, Map.of());
        assertError(removed, 400, "invalid_request", "handle");
        assertThat(removed.json().path("message").asText()).doesNotContain("not a member");
        assertError(post("/v1/chats/" + group + "/participants", key, "{\"handle\":\"" + SANDBOX + "\"}"), 400,
                "invalid_request", "handle");
        assertThat(http.get("/v1/chats/" + group, key).json().path("data").path("participants").size()).isEqualTo(3);
        assertThat(types(events(group))).doesNotContain("chat.participant_removed");
    }

    @Test
    void a_group_is_full_at_31_members() {
        String[] members = new String[31];
        for (int i = 0; i < members.length; i++) {
            members[i] = "+1415557" + String.format("%04d", 1000 + i);
        }
        String group = establishedGroup(key, SANDBOX, members);
        assertError(post("/v1/chats/" + group + "/participants", key, "{\"handle\":\"" + to("1399") + "\"}"), 409,
                "conflict", null);
        assertThat(call("DELETE", participantPath(group, members[0]), key, null, Map.of()).status()).isEqualTo(200);
        assertThat(post("/v1/chats/" + group + "/participants", key, "{\"handle\":\"" + to("1399") + "\"}").status())
                .isEqualTo(200);
    }

    @Test
    void group_operations_need_an_established_group() {
        String direct = get(sendText(to("1401"), "hi")).path("conversation_id").asText();
        assertError(call("PATCH", "/v1/chats/" + direct, key, "{\"title\":\"x\"}", Map.of()), 409, "not_a_group", null);
        assertError(post("/v1/chats/" + direct + "/participants", key, "{\"handle\":\"" + to("1402") + "\"}"), 409,
                "not_a_group", null);
        assertError(call("DELETE", participantPath(direct, to("1401")), key, null, Map.of()), 409, "not_a_group", null);

        // the network refuses a group with an unreachable member: its first message fails and it is never established
        JsonNode doomed = createGroup(key, SANDBOX, to("1403"), to("0666"));
        String id = doomed.path("id").asText();
        tick(Duration.ZERO);
        JsonNode first = thread(key, id).get(0);
        assertThat(first.path("status").asText()).isEqualTo("failed");
        assertThat(first.path("error").path("code").asText()).isEqualTo("recipient_unreachable");
        assertError(call("PATCH", "/v1/chats/" + id, key, "{\"title\":\"x\"}", Map.of()), 409, "not_a_group", null);
        assertThat(types(events(id))).containsExactly("chat.created", "message.queued", "message.failed");

        for (String unknown : List.of(UUID.randomUUID().toString(), "nope")) {
            assertError(call("PATCH", "/v1/chats/" + unknown, key, "{\"title\":\"x\"}", Map.of()), 404, "not_found", null);
            assertError(post("/v1/chats/" + unknown + "/participants", key, "{\"handle\":\"" + to("1402") + "\"}"), 404,
                    "not_found", null);
            assertError(call("DELETE", participantPath(unknown, to("1402")), key, null, Map.of()), 404, "not_found", null);
            assertError(post("/v1/chats/" + unknown + "/read", key, null), 404, "not_found", null);
            assertError(post("/v1/chats/" + unknown + "/typing", key, "{\"typing\":true}"), 404, "not_found", null);
        }
    }

    @Test
    void rename_validates_its_title() {
        String group = establishedGroup(key, SANDBOX, to("1501"), to("1502"));
        assertError(call("PATCH", "/v1/chats/" + group, key, "{}", Map.of()), 400, "invalid_request", "title");
        assertError(call("PATCH", "/v1/chats/" + group, key, "{\"title\":\"" + "t".repeat(101) + "\"}", Map.of()), 400,
                "invalid_request", "title");
        assertError(call("PATCH", "/v1/chats/" + group, key, "{\"title\":\" \"}", Map.of()), 400, "invalid_request", "title");
        assertError(call("PATCH", "/v1/chats/" + group, key, "{\"title\":5}", Map.of()), 400, "invalid_request", "title");
        assertError(call("PATCH", "/v1/chats/" + group, key, "{\"title\":\"ok\",\"is_group\":false}", Map.of()), 400,
                "invalid_request", "is_group");
        assertThat(call("PATCH", "/v1/chats/" + group, key, "{\"title\":\"" + "\uD83C\uDF89".repeat(100) + "\"}", Map.of())
                .status()).isEqualTo(200);
        assertThat(types(events(group))).containsOnlyOnce("chat.updated");
    }

    @Test
    void backend_failures_are_502_and_an_offline_number_is_503_and_neither_changes_anything() {
        Sender sender = newSender("group-failures", ALL, Mode.TEST, Provider.SANDBOX);
        String k = sender.testKey();
        // a group with a member behind an unavailable backend: established on the third attempt, then every
        // synchronous operation fails
        String flaky = createGroup(k, sender.handle(), to("1601"), to("1602"), to("0503")).path("id").asText();
        tick(Duration.ZERO);
        tick(Duration.ofSeconds(1));
        tick(Duration.ofSeconds(1));
        assertThat(thread(k, flaky).get(0).path("status").asText()).isEqualTo("sent");
        assertError(call("PATCH", "/v1/chats/" + flaky, k, "{\"title\":\"x\"}", Map.of()), 502, "rename_failed", null);
        assertError(post("/v1/chats/" + flaky + "/participants", k, "{\"handle\":\"" + to("1603") + "\"}"), 502,
                "add_participant_failed", null);
        assertError(call("DELETE", participantPath(flaky, to("1601")), k, null, Map.of()), 502, "remove_participant_failed",
                null);
        assertError(post("/v1/chats/" + flaky + "/read", k, null), 502, "mark_read_failed", null);
        assertError(post("/v1/chats/" + flaky + "/typing", k, "{\"typing\":true}"), 502, "typing_failed", null);
        JsonNode unchanged = http.get("/v1/chats/" + flaky, k).json().path("data");
        assertThat(unchanged.path("title").isNull()).isTrue();
        assertThat(unchanged.path("participants").size()).isEqualTo(3);
        assertThat(types(events(sender, Mode.TEST, flaky))).noneMatch(t -> t.startsWith("chat.") && !t.equals("chat.created"));
        // a direct thread with that contact: read receipts and typing fail the same way
        String direct = post("/v1/sandbox/inbound", k, "{\"from\":\"" + to("0503") + "\",\"to_handle\":\"" + sender.handle()
                + "\",\"text\":\"hey\"}").json().path("data").path("conversation_id").asText();
        assertError(post("/v1/chats/" + direct + "/read", k, null), 502, "mark_read_failed", null);
        assertThat(thread(k, direct).get(0).path("read_at").isNull()).isTrue();

        String group = establishedGroup(k, sender.handle(), to("1604"), to("1605"), to("1606"));
        numbers.setStatus(sender.handle(), AccountNumber.Status.OFFLINE);
        clock.advance(Duration.ofSeconds(3)); // past the number cache
        try {
            assertError(call("PATCH", "/v1/chats/" + group, k, "{\"title\":\"x\"}", Map.of()), 503, "device_offline", null);
            assertError(post("/v1/chats/" + group + "/participants", k, "{\"handle\":\"" + to("1607") + "\"}"), 503,
                    "device_offline", null);
            assertError(call("DELETE", participantPath(group, to("1604")), k, null, Map.of()), 503, "device_offline", null);
            assertError(post("/v1/chats/" + group + "/read", k, null), 503, "device_offline", null);
            assertError(post("/v1/chats/" + group + "/typing", k, "{\"typing\":true}"), 503, "device_offline", null);
            assertThat(http.get("/v1/chats/" + group, k).json().path("data").path("participants").size()).isEqualTo(3);
        } finally {
            numbers.setStatus(sender.handle(), AccountNumber.Status.ONLINE);
            clock.advance(Duration.ofSeconds(3));
        }
        assertThat(call("PATCH", "/v1/chats/" + group, k, "{\"title\":\"back\"}", Map.of()).status()).isEqualTo(200);
    }

    @Test
    void messages_go_into_a_group_and_members_write_back_into_it() {
        String group = establishedGroup(key, SANDBOX, to("1701"), to("1702"));
        JsonNode sent = accepted("{\"conversation_id\":\"" + group + "\",\"text\":\"follow-up\"}");
        assertThat(sent.path("conversation_id").asText()).isEqualTo(group);
        assertThat(sent.path("to").isNull()).isTrue();
        assertThat(sent.path("from_handle").asText()).isEqualTo(SANDBOX);
        tick(Duration.ZERO);
        tick(Duration.ofMillis(200));
        assertThat(status(sent.path("id").asText())).isEqualTo("delivered");
        assertThat(get(sent.path("id").asText()).path("channel").asText()).isEqualTo("imessage");
        assertError(send(key, "{\"conversation_id\":\"" + group + "\",\"text\":\"x\",\"channel\":\"whatsapp\"}"), 400,
                "invalid_request", "channel");
        assertError(send(key, "{\"conversation_id\":\"" + group + "\",\"to\":\"" + to("1701") + "\",\"text\":\"x\"}"), 400,
                "invalid_request", "to");

        Http.Response inbound = post("/v1/sandbox/inbound", key, "{\"from\":\"" + to("1702") + "\",\"conversation_id\":\""
                + group + "\",\"text\":\"hi all\"}");
        assertThat(inbound.status()).as(inbound.text()).isEqualTo(202);
        JsonNode message = inbound.json().path("data");
        assertThat(message.path("conversation_id").asText()).isEqualTo(group);
        assertThat(message.path("direction").asText()).isEqualTo("inbound");
        assertThat(message.path("from_handle").asText()).isEqualTo(to("1702"));
        assertThat(message.path("to").asText()).isEqualTo(SANDBOX);
        assertThat(message.path("channel").asText()).isEqualTo("imessage");
        assertThat(post("/v1/sandbox/inbound", key, "{\"from\":\"" + to("1701") + "\",\"to_handle\":\"" + SANDBOX
                + "\",\"conversation_id\":\"" + group + "\",\"text\":\"me too\"}").status()).isEqualTo(202);
        Http.Response typing = post("/v1/sandbox/typing", key, "{\"from\":\"" + to("1701") + "\",\"conversation_id\":\""
                + group + "\",\"typing\":true}");
        assertThat(typing.status()).as(typing.text()).isEqualTo(202);
        assertThat(typing.json().path("data").path("conversation_id").asText()).isEqualTo(group);
        assertThat(types(events(group))).contains("message.received", "conversation.typing");
        assertThat(thread(key, group).findValuesAsText("text")).contains("me too", "hi all", "follow-up", "welcome");

        assertError(post("/v1/sandbox/inbound", key, "{\"from\":\"" + to("1709") + "\",\"conversation_id\":\"" + group
                + "\",\"text\":\"stranger\"}"), 400, "invalid_request", "from");
        assertError(post("/v1/sandbox/inbound", key, "{\"from\":\"" + to("1701") + "\",\"conversation_id\":\"" + group
                + "\",\"to_handle\":\"+18005559999\",\"text\":\"x\"}"), 400, "invalid_request", "to_handle");
        String direct = get(sendText(to("1708"), "dm")).path("conversation_id").asText();
        assertError(post("/v1/sandbox/inbound", key, "{\"from\":\"" + to("1708") + "\",\"conversation_id\":\"" + direct
                + "\",\"text\":\"x\"}"), 400, "invalid_request", "conversation_id");
        assertError(post("/v1/sandbox/inbound", key, "{\"from\":\"" + to("1701") + "\",\"conversation_id\":\""
                + UUID.randomUUID() + "\",\"text\":\"x\"}"), 404, "not_found", "conversation_id");
        assertError(post("/v1/sandbox/typing", key, "{\"from\":\"" + to("1709") + "\",\"conversation_id\":\"" + group
                + "\",\"typing\":true}"), 400, "invalid_request", "from");
    }

    @Test
    void a_chatty_member_types_replies_into_the_group_and_likes_the_message() {
        String group = establishedGroup(key, SANDBOX, to("1801"), to("0777"));
        String welcome = thread(key, group).get(0).path("id").asText();
        tick(Duration.ofMillis(200)); // delivered
        tick(Duration.ofMillis(100)); // typing
        tick(Duration.ofSeconds(2)); // reply and like
        JsonNode reply = thread(key, group).get(0);
        assertThat(reply.path("text").asText()).isEqualTo("echo: welcome");
        assertThat(reply.path("from_handle").asText()).isEqualTo(to("0777"));
        assertThat(reply.path("conversation_id").asText()).isEqualTo(group);
        List<Event> events = events(group);
        JsonNode typing = Http.parse(events.stream().filter(e -> e.type().wire().equals("conversation.typing")).findFirst()
                .orElseThrow().payload());
        assertThat(typing.path("handle").asText()).isEqualTo(to("0777"));
        JsonNode like = Http.parse(events.stream().filter(e -> e.type().wire().equals("message.reaction")).findFirst()
                .orElseThrow().payload());
        assertThat(like.path("message_id").asText()).isEqualTo(welcome);
        assertThat(like.path("handle").asText()).isEqualTo(to("0777"));
    }

    @Test
    void read_receipts_mark_received_messages_read_on_imessage_and_whatsapp_threads_only() {
        Sender sender = newSender("read", ALL, Mode.TEST, Provider.SANDBOX);
        String k = sender.testKey();
        String conversation = null;
        for (String text : List.of("one", "two")) {
            conversation = post("/v1/sandbox/inbound", k, "{\"from\":\"" + to("1901") + "\",\"to_handle\":\"" + sender.handle()
                    + "\",\"text\":\"" + text + "\"}").json().path("data").path("conversation_id").asText();
        }
        assertThat(thread(k, conversation).findValuesAsText("read_at")).containsOnly("null");
        clock.advance(Duration.ofSeconds(1));
        Http.Response read = post("/v1/chats/" + conversation + "/read", k, null);
        assertThat(read.status()).as(read.text()).isEqualTo(200);
        assertThat(read.json().path("data").path("id").asText()).isEqualTo(conversation);
        String at = dev.msgbubbles.common.Timestamps.format(clock.instant());
        assertThat(thread(k, conversation).findValuesAsText("read_at")).containsOnly(at);
        assertThat(post("/v1/chats/" + conversation + "/read", k, "{}").status()).isEqualTo(200);
        assertError(post("/v1/chats/" + conversation + "/read", k, "{\"all\":true}"), 400, "invalid_request", "all");

        String sms = post("/v1/sandbox/inbound", k, "{\"from\":\"" + to("0204") + "\",\"to_handle\":\"" + sender.handle()
                + "\",\"text\":\"green\"}").json().path("data").path("conversation_id").asText();
        assertError(post("/v1/chats/" + sms + "/read", k, null), 409, "conflict", null);
        assertError(post("/v1/chats/" + sms + "/typing", k, "{\"typing\":true}"), 409, "conflict", null);

        Sender whatsapp = newSender("read-wa", EnumSet.of(ChannelType.WHATSAPP), Mode.TEST, Provider.SANDBOX);
        JsonNode wa = post("/v1/sandbox/inbound", whatsapp.testKey(), "{\"from\":\"" + to("0206") + "\",\"to_handle\":\""
                + whatsapp.handle() + "\",\"text\":\"wa\"}").json().path("data");
        assertThat(wa.path("channel").asText()).isEqualTo("whatsapp");
        assertThat(post("/v1/chats/" + wa.path("conversation_id").asText() + "/read", whatsapp.testKey(), null).status())
                .isEqualTo(200);
        assertThat(post("/v1/chats/" + wa.path("conversation_id").asText() + "/typing", whatsapp.testKey(),
                "{\"typing\":true}").status()).isEqualTo(200);

        String group = establishedGroup(k, sender.handle(), to("1902"), to("1903"));
        assertThat(post("/v1/chats/" + group + "/read", k, null).status()).isEqualTo(200);
    }

    @Test
    void typing_answers_what_it_showed_and_validates() {
        String conversation = get(sendText(to("2001"), "hi")).path("conversation_id").asText();
        Http.Response typing = post("/v1/chats/" + conversation + "/typing", key, "{\"typing\":true}");
        assertThat(typing.status()).as(typing.text()).isEqualTo(200);
        JsonNode data = typing.json().path("data");
        assertThat(data.path("conversation_id").asText()).isEqualTo(conversation);
        assertThat(data.path("handle").asText()).isEqualTo(SANDBOX);
        assertThat(data.path("typing").asBoolean()).isTrue();
        assertThat(post("/v1/chats/" + conversation + "/typing", key, "{\"typing\":true}").status()).isEqualTo(200);
        assertThat(post("/v1/chats/" + conversation + "/typing", key, "{\"typing\":false}").json().path("data")
                .path("typing").asBoolean()).isFalse();
        assertError(post("/v1/chats/" + conversation + "/typing", key, "{}"), 400, "invalid_request", "typing");
        assertError(post("/v1/chats/" + conversation + "/typing", key, "{\"typing\":\"yes\"}"), 400, "invalid_request", "typing");
        assertError(post("/v1/chats/" + conversation + "/typing", key, "{\"typing\":true,\"for\":5}"), 400, "invalid_request", "for");
        assertError(post("/v1/chats/" + conversation + "/typing", key, null), 400, "invalid_request", null);
        // typing is ours: it is not an event (conversation.typing is a contact typing)
        assertThat(types(events(conversation))).doesNotContain("conversation.typing");
    }

    @Test
    void groups_are_invisible_to_other_accounts_and_modes() {
        Sender owner = newSender("group-owner", ALL, Mode.TEST, Provider.SANDBOX);
        Sender other = newSender("group-other", ALL, Mode.TEST, Provider.SANDBOX);
        String group = establishedGroup(owner.testKey(), owner.handle(), to("2101"), to("2102"));
        for (String foreign : List.of(other.testKey(), owner.liveKey())) {
            assertError(http.get("/v1/chats/" + group, foreign), 404, "not_found", null);
            assertError(call("PATCH", "/v1/chats/" + group, foreign, "{\"title\":\"x\"}", Map.of()), 404, "not_found", null);
            assertError(post("/v1/chats/" + group + "/participants", foreign, "{\"handle\":\"" + to("2103") + "\"}"), 404,
                    "not_found", null);
            assertError(call("DELETE", participantPath(group, to("2101")), foreign, null, Map.of()), 404, "not_found", null);
            assertError(post("/v1/chats/" + group + "/read", foreign, null), 404, "not_found", null);
            assertError(post("/v1/chats/" + group + "/typing", foreign, "{\"typing\":true}"), 404, "not_found", null);
            assertError(send(foreign, "{\"conversation_id\":\"" + group + "\",\"text\":\"x\"}"), 404, "not_found",
                    "conversation_id");
            assertThat(http.get("/v1/chats?limit=100", foreign).json().path("data").findValuesAsText("id")).doesNotContain(group);
        }
        assertError(post("/v1/sandbox/inbound", other.testKey(), "{\"from\":\"" + to("2101") + "\",\"conversation_id\":\""
                + group + "\",\"text\":\"x\"}"), 404, "not_found", "conversation_id");
        // another account may use the same Idempotency-Key: its own group
        Map<String, String> idem = Map.of("Idempotency-Key", "shared-key");
        Http.Response mine = call("POST", "/v1/chats", owner.testKey(), groupBody(owner.handle(), null, to("2104"), to("2105")), idem);
        Http.Response theirs = call("POST", "/v1/chats", other.testKey(), groupBody(other.handle(), null, to("2104"), to("2105")), idem);
        assertThat(mine.status()).isEqualTo(201);
        assertThat(theirs.status()).isEqualTo(201);
        assertThat(theirs.json().path("data").path("id").asText()).isNotEqualTo(mine.json().path("data").path("id").asText());
        // a live group on a live number is the live key's alone
        Sender live = newSender("group-live", ALL, Mode.LIVE, Provider.SANDBOX);
        Http.Response liveGroup = post("/v1/chats", live.liveKey(), groupBody(live.handle(), null, to("2106"), to("2107")));
        assertThat(liveGroup.status()).as(liveGroup.text()).isEqualTo(201);
        assertError(http.get("/v1/chats/" + liveGroup.json().path("data").path("id").asText(), live.testKey()), 404,
                "not_found", null);
        assertError(post("/v1/chats", live.testKey(), groupBody(live.handle(), null, to("2106"), to("2107"))), 400,
                "invalid_from_handle", "from_handle");
        assertThat(events(other, Mode.TEST, group)).isEmpty();
    }

    @Test
    void a_0777_member_removed_before_answering_neither_types_replies_nor_reacts_in_the_group() {
        String chatty = "+13125580777";
        String group = establishedGroup(key, SANDBOX, to("1801"), to("1802"), chatty); // "welcome" sent and delivered
        tick(Duration.ofMillis(200));
        Http.Response removed = call("DELETE", participantPath(group, chatty), key, null, Map.of());
        assertThat(removed.status()).as(removed.text()).isEqualTo(200);
        tick(Duration.ofMillis(100)); // typing was due
        tick(Duration.ofSeconds(3)); // reply and like were due
        assertThat(thread(key, group)).extracting(m -> m.path("direction").asText()).containsOnly("outbound");
        assertThat(types(events(group))).doesNotContain("conversation.typing", "message.received", "message.reaction");
        // as a non-member writing in through the sandbox helper is refused
        assertError(post("/v1/sandbox/inbound", key, "{\"from\":\"" + chatty + "\",\"conversation_id\":\"" + group
                + "\",\"text\":\"still here?\"}"), 400, "invalid_request", "from");
    }

    @Test
    void members_cannot_write_or_type_into_a_group_the_network_never_created() {
        // a 0666 member makes the network refuse the first message: the group is never established
        String group = createGroup(key, SANDBOX, to("1951"), to("0666")).path("id").asText();
        tick(Duration.ZERO);
        assertThat(thread(key, group).get(0).path("status").asText()).isEqualTo("failed");
        assertError(post("/v1/sandbox/inbound", key, "{\"from\":\"" + to("1951") + "\",\"conversation_id\":\"" + group
                + "\",\"text\":\"anyone here?\"}"), 409, "not_a_group", null);
        assertError(post("/v1/sandbox/typing", key, "{\"from\":\"" + to("1951") + "\",\"conversation_id\":\"" + group
                + "\",\"typing\":true}"), 409, "not_a_group", null);
        assertThat(thread(key, group)).extracting(m -> m.path("direction").asText()).containsOnly("outbound");
        assertThat(types(events(group))).doesNotContain("message.received", "conversation.typing");
    }

    @Test
    void our_read_receipts_and_typing_need_a_group_the_network_created() {
        // never established (a 0666 member), and not yet established (its first message still queued): no chat on
        // the network to show a typing bubble or read receipts to, as for rename and membership
        String never = createGroup(key, SANDBOX, to("1961"), to("0666")).path("id").asText();
        tick(Duration.ZERO);
        String pending = createGroup(key, SANDBOX, to("1962"), to("1963")).path("id").asText();
        for (String group : List.of(never, pending)) {
            assertError(post("/v1/chats/" + group + "/typing", key, "{\"typing\":true}"), 409, "not_a_group", null);
            assertError(post("/v1/chats/" + group + "/read", key, null), 409, "not_a_group", null);
            // the body is still checked first
            assertError(post("/v1/chats/" + group + "/typing", key, "{}"), 400, "invalid_request", "typing");
        }
        tick(Duration.ZERO); // the network takes the pending group's first message: the group exists there now
        assertThat(post("/v1/chats/" + pending + "/typing", key, "{\"typing\":true}").status()).isEqualTo(200);
        assertThat(post("/v1/chats/" + pending + "/read", key, null).status()).isEqualTo(200);
        assertError(post("/v1/chats/" + never + "/typing", key, "{\"typing\":true}"), 409, "not_a_group", null);
    }
}

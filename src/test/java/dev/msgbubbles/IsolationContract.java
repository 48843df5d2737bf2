package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.msgbubbles.account.Account;
import dev.msgbubbles.account.Authenticator;
import dev.msgbubbles.account.CreatedAccount;
import dev.msgbubbles.account.IssuedKey;
import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.account.Provider;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.Receiver;
import dev.msgbubbles.support.SseReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The isolation audit: two accounts, each with a test key and a live key, each key with one of every resource
 * (messages in every state, a direct thread, an established group, attachments uploaded, presigned and claimed, a
 * webhook with its deliveries, events). Every route is then tried with each key on every other key's resources, and
 * on references to them inside request bodies: each answer must be the one a never-existing id gets (status and body,
 * the id aside), nothing may be written, no webhook may be called, no log line may name what was probed, and no
 * answer may carry anything of the owner's. Lists, filters, cursors, the event stream and the webhook fan-out must
 * only ever show a key its own. One subclass per store.
 */
abstract class IsolationContract extends MessagingFixture {
    /** Recipients every key writes to: a shared handle must not join their threads. 0777 types, replies and reacts. */
    private static final String CHATTY = "+14155550777";
    private static final String FAILING = "+14155550666";
    private static final List<String> MEMBERS = List.of("+14155553101", "+14155553102");
    private static final String BOUNDARY = "----isolation-boundary";
    /** Every table that holds an account's data or the work it causes. */
    private static final List<String> TABLES = List.of("accounts", "api_keys", "numbers", "idempotency_keys",
            "conversations", "conversation_participants", "messages", "events", "jobs", "webhooks", "webhook_deliveries",
            "webhook_attempts", "delivery_jobs", "attachments");

    private final Receiver receiver = new Receiver();
    private final List<World> worlds = new ArrayList<>();
    private CreatedAccount accountA;

    @Override
    protected Map<String, String> extraConfig() {
        return Map.of("MSGBUBBLES_WEBHOOK_ALLOW_PRIVATE", "true");
    }

    @AfterAll
    void stopReceiver() {
        receiver.close();
    }

    /** What one key made: its resources by kind, and every value of its that no other key may ever be shown. */
    private static final class World {
        final String name;
        final String key;
        final String handle;
        final String hookPath;
        final String token = "tok" + UUID.randomUUID().toString().substring(0, 8);
        final Map<String, String> ids = new LinkedHashMap<>();
        final Set<String> markers = new LinkedHashSet<>();
        final Set<String> eventIds = new LinkedHashSet<>();
        String downloadQuery;
        String uploadQuery;

        World(String name, String key, String handle) {
            this.name = name;
            this.key = key;
            this.handle = handle;
            this.hookPath = "/hooks/" + name + "-" + UUID.randomUUID();
        }

        String id(String kind) {
            return ids.get(kind);
        }

        void mark(String value) {
            if (value != null && !value.isEmpty() && !value.equals("null")) {
                markers.add(value);
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeAll
    void buildWorlds() {
        Set<ChannelType> channels = EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS);
        accountA = admin.create("isolation-a-" + UUID.randomUUID());
        CreatedAccount b = admin.create("isolation-b-" + UUID.randomUUID());
        worlds.add(new World("a-test", accountA.testKey().key(), number(accountA, channels, Mode.TEST)));
        worlds.add(new World("a-live", accountA.liveKey().key(), number(accountA, channels, Mode.LIVE)));
        worlds.add(new World("b-test", b.testKey().key(), number(b, channels, Mode.TEST)));
        worlds.add(new World("b-live", b.liveKey().key(), number(b, channels, Mode.LIVE)));
        worlds.forEach(this::create);
        tick(Duration.ZERO);
        for (int i = 0; i < 6; i++) { // sent, delivered, read; the 0777 contact types, replies and reacts
            tick(Duration.ofSeconds(1));
        }
        app.deliveryWorker().drain();
        worlds.forEach(this::collect);
    }

    private String number(CreatedAccount account, Set<ChannelType> channels, Mode mode) {
        String handle = "+1646555" + numbersUsed.getAndIncrement();
        // a live number on the sandbox provider: live sends work, so live resources exist in every state
        numbers.add(new NumberDirectory.NewNumber(account.account().id(), handle, channels, mode, Provider.SANDBOX, null));
        return handle;
    }

    private JsonNode created(Http.Response response, int status) {
        assertThat(response.status()).as(response.text()).isEqualTo(status);
        return response.json().path("data");
    }

    private String sendBody(World w, String to, String text, String extra) {
        return "{\"to\":\"" + to + "\",\"from_handle\":\"" + w.handle + "\",\"text\":\"" + text + "\"" + extra + "}";
    }

    private Http.Response upload(String apiKey, String filename, String content) {
        String body = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                + "\"\r\nContent-Type: text/plain\r\n\r\n" + content + "\r\n--" + BOUNDARY + "--\r\n";
        return http.send("POST", "/v1/attachments", apiKey, "multipart/form-data; boundary=" + BOUNDARY,
                body.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** One of every resource, made through the API by the world's key. */
    private void create(World w) {
        JsonNode hook = created(http.postJson("/v1/webhooks", w.key, "{\"url\":\"" + receiver.url(w.hookPath) + "\"}"), 201);
        w.ids.put("HOOK", hook.path("id").asText());
        w.mark(hook.path("secret").asText());
        w.mark(w.hookPath);
        w.ids.put("MESSAGE", created(send(w.key, sendBody(w, CHATTY, w.token + "-read", "")), 202).path("id").asText());
        w.ids.put("FAILED", created(send(w.key, sendBody(w, FAILING, w.token + "-fails", "")), 202).path("id").asText());
        w.ids.put("SCHEDULED", created(send(w.key, sendBody(w, CHATTY, w.token + "-later",
                ",\"scheduled_at\":\"" + clock.instant().plus(Duration.ofDays(1)) + "\"")), 202).path("id").asText());
        JsonNode file = created(upload(w.key, w.token + "-file.txt", w.token + " private bytes"), 201).get(0);
        w.ids.put("ATTACHMENT", file.path("id").asText());
        w.downloadQuery = URI.create(file.path("url").asText()).getRawQuery();
        JsonNode presigned = created(http.postJson("/v1/attachments/presign", w.key,
                "{\"filename\":\"" + w.token + "-pending.txt\",\"content_type\":\"text/plain\"}"), 201);
        w.ids.put("PENDING", presigned.path("id").asText());
        w.uploadQuery = URI.create(presigned.path("upload_url").asText()).getRawQuery();
        String claimed = created(upload(w.key, w.token + "-claimed.txt", w.token + " sent bytes"), 201).get(0)
                .path("id").asText();
        w.ids.put("CLAIMED", claimed);
        created(send(w.key, sendBody(w, CHATTY, w.token + "-media", ",\"attachment_ids\":[\"" + claimed + "\"]")), 202);
        w.ids.put("GROUP", created(http.postJson("/v1/chats", w.key, "{\"from_handle\":\"" + w.handle + "\",\"addresses\":[\""
                + String.join("\",\"", MEMBERS) + "\"],\"message\":\"" + w.token + "-welcome\",\"title\":\"" + w.token
                + "-title\"}"), 201).path("id").asText());
        w.mark(w.handle);
        w.mark(w.token);
    }

    /** After the network has done its part: the threads, deliveries and events, and every id among the markers. */
    private void collect(World w) {
        JsonNode message = created(http.get("/v1/messages/" + w.id("MESSAGE"), w.key), 200);
        assertThat(message.path("status").asText()).isEqualTo("read");
        w.ids.put("CONVERSATION", message.path("conversation_id").asText());
        assertThat(created(http.get("/v1/messages/" + w.id("FAILED"), w.key), 200).path("status").asText()).isEqualTo("failed");
        JsonNode deliveries = created(http.get("/v1/webhooks/" + w.id("HOOK") + "/deliveries?limit=100", w.key), 200);
        assertThat(deliveries).isNotEmpty();
        w.ids.put("DELIVERY", deliveries.get(0).path("id").asText());
        deliveries.forEach(d -> w.mark(d.path("id").asText()));
        created(http.get("/v1/messages?limit=100", w.key), 200).forEach(m -> {
            w.mark(m.path("id").asText());
            w.mark(m.path("conversation_id").asText());
        });
        assertThat(created(http.get("/v1/messages?direction=inbound", w.key), 200)).as("the contact's echo").isNotEmpty();
        created(http.get("/v1/chats?limit=100", w.key), 200).forEach(c -> w.mark(c.path("id").asText()));
        for (JsonNode event : events(w.key, "")) {
            w.eventIds.add(event.path("id").asText());
        }
        assertThat(w.eventIds).hasSizeGreaterThan(10);
        w.markers.addAll(w.eventIds);
        w.ids.values().forEach(w::mark);
    }

    /** Every event the key's {@code GET /v1/events} lists, walking its pages. */
    private List<JsonNode> events(String apiKey, String query) {
        List<JsonNode> all = new ArrayList<>();
        long after = 0;
        while (true) {
            JsonNode page = http.get("/v1/events?limit=100&after=" + after + query, apiKey).json();
            page.path("data").forEach(all::add);
            after = page.path("next_after").asLong();
            if (!page.path("has_more").asBoolean()) {
                return all;
            }
        }
    }

    private List<World> others(World w) {
        return worlds.stream().filter(o -> o != w).toList();
    }

    private void assertShowsNothingOf(String text, World w, String what) {
        for (String marker : w.markers) {
            assertThat(text).as("%s shows %s's %s", what, w, marker).doesNotContain(marker);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // every route on another key's resources

    /**
     * A request a stranger makes on an owner's resource. Placeholders name the owner's resources ({@code {MESSAGE}},
     * {@code {NUMBER}}, ...) and the stranger's own ({@code {MY_HOOK}}, {@code {MY_NUMBER}}, ...).
     */
    private record Probe(String method, String path, String body) {
        static Probe of(String method, String path) {
            return new Probe(method, path, null);
        }

        static Probe of(String method, String path, String body) {
            return new Probe(method, path, body);
        }
    }

    private static final List<Probe> PROBES = List.of(
            Probe.of("GET", "/v1/messages/{MESSAGE}"),
            Probe.of("HEAD", "/v1/messages/{MESSAGE}"),
            Probe.of("GET", "/v1/messages/{CLAIMED_MESSAGE}"),
            Probe.of("DELETE", "/v1/messages/{SCHEDULED}"),
            Probe.of("POST", "/v1/messages/{MESSAGE}/react", "{\"reaction\":\"love\"}"),
            Probe.of("POST", "/v1/messages/{MESSAGE}/react", "{\"reaction\":\"love\",\"remove\":true}"),
            Probe.of("POST", "/v1/messages/{MESSAGE}/edit", "{\"text\":\"hijacked\"}"),
            Probe.of("POST", "/v1/messages/{MESSAGE}/unsend"),
            Probe.of("POST", "/v1/messages/{FAILED}/retry"),
            Probe.of("GET", "/v1/messages?conversation_id={CONVERSATION}"),
            Probe.of("GET", "/v1/messages?conversation_id={GROUP}&limit=5"),
            Probe.of("GET", "/v1/messages?before={MESSAGE}"),
            Probe.of("GET", "/v1/messages?to=%2B14155550777&before={SCHEDULED}"),
            Probe.of("HEAD", "/v1/messages?before={MESSAGE}"),
            Probe.of("POST", "/v1/messages", "{\"conversation_id\":\"{CONVERSATION}\",\"text\":\"hijack\"}"),
            Probe.of("POST", "/v1/messages", "{\"conversation_id\":\"{GROUP}\",\"text\":\"hijack\"}"),
            Probe.of("POST", "/v1/messages", "{\"conversation_id\":\"{GROUP}\",\"from_handle\":\"{MY_NUMBER}\",\"text\":\"x\"}"),
            Probe.of("POST", "/v1/messages", "{\"to\":\"+14155550777\",\"from_handle\":\"{MY_NUMBER}\",\"text\":\"x\","
                    + "\"reply_to\":\"{MESSAGE}\"}"),
            Probe.of("POST", "/v1/messages", "{\"to\":\"+14155550777\",\"from_handle\":\"{MY_NUMBER}\",\"text\":\"x\","
                    + "\"attachment_ids\":[\"{ATTACHMENT}\"]}"),
            Probe.of("POST", "/v1/messages", "{\"to\":\"+14155550777\",\"from_handle\":\"{MY_NUMBER}\","
                    + "\"attachment_ids\":[\"{CLAIMED}\"]}"),
            Probe.of("POST", "/v1/messages", "{\"to\":\"+14155550777\",\"from_handle\":\"{MY_NUMBER}\","
                    + "\"attachment_ids\":[\"{PENDING}\"]}"),
            Probe.of("POST", "/v1/messages", "{\"to\":\"+14155550777\",\"from_handle\":\"{NUMBER}\",\"text\":\"x\"}"),
            Probe.of("GET", "/v1/chats/{CONVERSATION}"),
            Probe.of("GET", "/v1/chats/{GROUP}"),
            Probe.of("HEAD", "/v1/chats/{GROUP}"),
            Probe.of("GET", "/v1/chats?before={GROUP}"),
            Probe.of("POST", "/v1/chats", "{\"from_handle\":\"{NUMBER}\",\"addresses\":[\"+14155553101\",\"+14155553102\"],"
                    + "\"message\":\"x\"}"),
            Probe.of("PATCH", "/v1/chats/{GROUP}", "{\"title\":\"hijacked\"}"),
            Probe.of("PATCH", "/v1/chats/{CONVERSATION}", "{\"title\":\"hijacked\"}"),
            Probe.of("POST", "/v1/chats/{GROUP}/participants", "{\"handle\":\"+14155553109\"}"),
            Probe.of("POST", "/v1/chats/{GROUP}/participants", "{\"handle\":\"+14155553101\"}"),
            Probe.of("DELETE", "/v1/chats/{GROUP}/participants/%2B14155553101"),
            Probe.of("DELETE", "/v1/chats/{GROUP}/participants/%2B14155553109"),
            Probe.of("POST", "/v1/chats/{GROUP}/read"),
            Probe.of("POST", "/v1/chats/{CONVERSATION}/read"),
            Probe.of("POST", "/v1/chats/{CONVERSATION}/typing", "{\"typing\":true}"),
            Probe.of("POST", "/v1/chats/{GROUP}/typing", "{\"typing\":false}"),
            Probe.of("POST", "/v1/sandbox/inbound", "{\"from\":\"+14155553101\",\"conversation_id\":\"{GROUP}\",\"text\":\"x\"}"),
            Probe.of("POST", "/v1/sandbox/inbound", "{\"from\":\"+14155553999\",\"to_handle\":\"{NUMBER}\",\"text\":\"x\"}"),
            Probe.of("POST", "/v1/sandbox/inbound", "{\"from\":\"+14155553999\",\"to_handle\":\"{MY_NUMBER}\","
                    + "\"attachment_ids\":[\"{ATTACHMENT}\"]}"),
            Probe.of("POST", "/v1/sandbox/inbound", "{\"from\":\"+14155550777\",\"conversation_id\":\"{CONVERSATION}\","
                    + "\"text\":\"x\"}"),
            Probe.of("POST", "/v1/sandbox/typing", "{\"from\":\"+14155553101\",\"conversation_id\":\"{GROUP}\",\"typing\":true}"),
            Probe.of("POST", "/v1/sandbox/typing", "{\"from\":\"+14155553999\",\"to_handle\":\"{NUMBER}\",\"typing\":true}"),
            Probe.of("GET", "/v1/handles/availability?handle={NUMBER_QUERY}"),
            Probe.of("GET", "/v1/attachments/{ATTACHMENT}"),
            Probe.of("HEAD", "/v1/attachments/{ATTACHMENT}"),
            Probe.of("GET", "/v1/attachments/{PENDING}"),
            Probe.of("GET", "/v1/attachments/{CLAIMED}"),
            Probe.of("GET", "/media/attachments/{ATTACHMENT}?{MY_DOWNLOAD_QUERY}"),
            Probe.of("HEAD", "/media/attachments/{CLAIMED}?{MY_DOWNLOAD_QUERY}"),
            Probe.of("PUT", "/media/uploads/{PENDING}?{MY_UPLOAD_QUERY}", "hijacked bytes"),
            Probe.of("GET", "/v1/webhooks/{HOOK}"),
            Probe.of("HEAD", "/v1/webhooks/{HOOK}"),
            Probe.of("GET", "/v1/webhooks?before={HOOK}"),
            Probe.of("PATCH", "/v1/webhooks/{HOOK}", "{\"enabled\":false}"),
            Probe.of("PATCH", "/v1/webhooks/{HOOK}", "{\"url\":\"http://127.0.0.1:9/stolen\"}"),
            Probe.of("DELETE", "/v1/webhooks/{HOOK}"),
            Probe.of("POST", "/v1/webhooks/{HOOK}/rotate-secret"),
            Probe.of("GET", "/v1/webhooks/{HOOK}/deliveries"),
            Probe.of("HEAD", "/v1/webhooks/{HOOK}/deliveries?limit=1"),
            Probe.of("GET", "/v1/webhooks/{HOOK}/deliveries/{DELIVERY}"),
            Probe.of("GET", "/v1/webhooks/{MY_HOOK}/deliveries/{DELIVERY}"),
            Probe.of("GET", "/v1/webhooks/{MY_HOOK}/deliveries?before={DELIVERY}"),
            Probe.of("POST", "/v1/webhooks/{HOOK}/deliveries/{DELIVERY}/retry"),
            Probe.of("POST", "/v1/webhooks/{MY_HOOK}/deliveries/{DELIVERY}/retry"),
            Probe.of("POST", "/v1/webhooks/{HOOK}/replay", "{\"since\":\"2020-01-01T00:00:00Z\"}"),
            Probe.of("POST", "/v1/webhooks/{HOOK}/test"));

    /** Probes a stranger may legitimately answer with 200: they look nothing up by the owner's ids. */
    private static final Set<String> ANSWERED = Set.of("/v1/handles/availability?handle={NUMBER_QUERY}");

    /** The owner's values of the placeholders, and the stranger's own. */
    private Map<String, String> values(World owner, World stranger) {
        Map<String, String> values = new LinkedHashMap<>();
        owner.ids.forEach(values::put);
        values.put("CLAIMED_MESSAGE", ownersMessageWithMedia(owner));
        values.put("NUMBER", owner.handle);
        values.put("NUMBER_QUERY", "%2B" + owner.handle.substring(1));
        values.put("MY_HOOK", stranger.id("HOOK"));
        values.put("MY_NUMBER", stranger.handle);
        values.put("MY_DOWNLOAD_QUERY", stranger.downloadQuery);
        values.put("MY_UPLOAD_QUERY", stranger.uploadQuery);
        return values;
    }

    private String ownersMessageWithMedia(World owner) {
        return created(http.get("/v1/attachments/" + owner.id("CLAIMED"), owner.key), 200).path("message_id").asText();
    }

    /** The same placeholders naming nothing that ever existed (a number nobody has, with the owner's last digits). */
    private static Map<String, String> neverExisting(Map<String, String> owners) {
        Map<String, String> values = new LinkedHashMap<>(owners);
        owners.forEach((name, value) -> {
            if (!name.startsWith("MY_")) {
                values.put(name, UUID.randomUUID().toString());
            }
        });
        String number = "+1747" + owners.get("NUMBER").substring(5);
        values.put("NUMBER", number);
        values.put("NUMBER_QUERY", "%2B" + number.substring(1));
        return values;
    }

    private static String expand(String template, Map<String, String> values) {
        if (template == null) {
            return null;
        }
        String text = template;
        for (var v : values.entrySet()) {
            text = text.replace("{" + v.getKey() + "}", v.getValue());
        }
        return text;
    }

    private Http.Response run(Probe probe, String apiKey, Map<String, String> values) {
        String body = expand(probe.body(), values);
        String type = body == null ? null : probe.method().equals("PUT") ? "text/plain" : "application/json";
        return http.send(probe.method(), expand(probe.path(), values), apiKey, type,
                body == null ? null : body.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** An answer with the probed values put back as their placeholders and without its request id. */
    private static String normalised(Http.Response response, Map<String, String> values) {
        String text = response.text();
        for (var v : values.entrySet()) {
            if (!v.getKey().startsWith("MY_")) {
                text = text.replace(v.getValue(), "{" + v.getKey() + "}");
            }
        }
        if (text.isEmpty()) {
            return "";
        }
        JsonNode json = Http.parse(text);
        if (json instanceof ObjectNode object) {
            object.remove("request_id");
        }
        return json.toString();
    }

    @Test
    void every_route_answers_another_keys_resources_exactly_as_ids_that_never_existed_and_changes_nothing() {
        app.worker().drain(); // whatever other tests left due, so that only the probes could change anything below
        app.deliveryWorker().drain();
        String before = fingerprint();
        int calls = receiver.requests().size();
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(
                org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        root.addAppender(logged);
        List<String> answers = new ArrayList<>();
        try {
            for (World owner : worlds) {
                for (World stranger : others(owner)) {
                    Map<String, String> owners = values(owner, stranger);
                    Map<String, String> never = neverExisting(owners);
                    for (Probe probe : PROBES) {
                        String what = stranger + " " + probe.method() + " " + probe.path() + " " + probe.body()
                                + " on " + owner + "'s";
                        Http.Response foreign = run(probe, stranger.key, owners);
                        Http.Response nothing = run(probe, stranger.key, never);
                        assertThat(foreign.status()).as(what + ": " + foreign.text()).isEqualTo(nothing.status());
                        if (!ANSWERED.contains(probe.path())) {
                            assertThat(foreign.status()).as(what + ": " + foreign.text()).isIn(400, 403, 404);
                        }
                        String answer = normalised(foreign, owners);
                        assertThat(answer).as(what).isEqualTo(normalised(nothing, never));
                        assertThat(foreign.header("Content-Length")).as(what).isEqualTo(nothing.header("Content-Length"));
                        assertThat(foreign.header("Allow")).as(what).isEqualTo(nothing.header("Allow"));
                        assertShowsNothingOf(answer, owner, what);
                        answers.add(answer);
                    }
                }
            }
        } finally {
            root.detachAppender(logged);
        }
        assertThat(answers).hasSize(PROBES.size() * 12);
        app.worker().drain(); // nothing was queued, so nothing runs
        app.deliveryWorker().drain();
        assertThat(fingerprint()).as("every table as it was").isEqualTo(before);
        assertThat(receiver.requests()).as("no webhook called").hasSize(calls);
        synchronized (logged) {
            for (ILoggingEvent line : logged.list) {
                assertThat(line.getLevel().isGreaterOrEqual(Level.WARN)).as(line.getFormattedMessage()).isFalse();
                for (World w : worlds) {
                    assertShowsNothingOf(line.getFormattedMessage(), w, "a log line");
                }
            }
        }
    }

    /** Every row of every table, in a stable order, hashed: equal fingerprints mean nothing was written. */
    private String fingerprint() {
        return app.database().read(h -> {
            try {
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                for (String table : TABLES) {
                    List<String> rows = new ArrayList<>(h.createQuery("SELECT * FROM " + table).mapToMap().list()
                            .stream().map(row -> new java.util.TreeMap<>(row).toString()).toList());
                    rows.sort(null);
                    digest.update((table + rows).getBytes(StandardCharsets.UTF_8));
                }
                return HexFormat.of().formatHex(digest.digest());
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    // ------------------------------------------------------------------------------------------------------------
    // lists, filters and cursors

    @Test
    void every_list_filter_and_cursor_shows_a_key_its_own_items_only() {
        for (World w : worlds) {
            World other = others(w).getFirst();
            List<String> lists = List.of("/v1/messages?limit=100", "/v1/messages?to=%2B14155550777&limit=100",
                    "/v1/messages?direction=inbound", "/v1/messages?direction=outbound&status=read",
                    "/v1/messages?status=failed", "/v1/messages?status=scheduled",
                    "/v1/messages?conversation_id=" + w.id("CONVERSATION"), "/v1/messages?conversation_id=" + w.id("GROUP"),
                    "/v1/messages?before=" + w.id("SCHEDULED") + "&limit=100",
                    "/v1/messages?before=2099-01-01T00:00:00Z&limit=100", "/v1/chats?limit=100",
                    "/v1/chats?before=" + w.id("GROUP"), "/v1/webhooks", "/v1/webhooks/" + w.id("HOOK") + "/deliveries?limit=100",
                    "/v1/webhooks/" + w.id("HOOK") + "/deliveries?before=" + w.id("DELIVERY"), "/v1/numbers",
                    "/v1/events?limit=100", "/v1/events?types=message.received,message.reaction,conversation.typing",
                    "/v1/events?after=" + lastCursor(other));
            for (String list : lists) {
                Http.Response response = http.get(list, w.key);
                assertThat(response.status()).as(w + " " + list + ": " + response.text()).isEqualTo(200);
                for (World o : others(w)) {
                    assertShowsNothingOf(response.text(), o, w + "'s " + list);
                }
            }
            assertThat(created(http.get("/v1/messages?to=%2B14155550777&limit=100", w.key), 200).findValuesAsText("id"))
                    .contains(w.id("MESSAGE"), w.id("SCHEDULED"));
            assertThat(created(http.get("/v1/numbers", w.key), 200).findValuesAsText("handle")).containsExactly(w.handle);
            for (JsonNode event : events(w.key, "")) {
                assertThat(w.eventIds).as(w + "'s events").contains(event.path("id").asText());
            }
            assertThat(events(w.key, "&types=message.read")).isNotEmpty().allSatisfy(e ->
                    assertThat(w.eventIds).contains(e.path("id").asText()));
        }
    }

    private long lastCursor(World w) {
        List<JsonNode> all = events(w.key, "");
        return all.getLast().path("cursor").asLong();
    }

    // ------------------------------------------------------------------------------------------------------------
    // events and webhooks

    @Test
    void each_keys_webhook_gets_its_own_events_only_and_every_one_of_them() {
        for (World w : worlds) {
            List<Receiver.Request> got = receiver.requests(w.hookPath);
            Set<String> delivered = new HashSet<>();
            for (Receiver.Request request : got) {
                delivered.add(request.header("webhook-id"));
                for (World o : others(w)) {
                    assertShowsNothingOf(request.body(), o, w + "'s webhook delivery");
                }
            }
            assertThat(w.eventIds).as(w + "'s events by webhook").isSubsetOf(delivered);
            assertThat(delivered).as("nothing but " + w + "'s events").isSubsetOf(events(w.key, "").stream()
                    .map(e -> e.path("id").asText()).toList());
        }
    }

    @Test
    void the_event_stream_of_one_key_carries_nothing_of_anothers_as_it_happens() throws Exception {
        World owner = worlds.getFirst();
        List<SseReader> streams = new ArrayList<>();
        try {
            for (World stranger : others(owner)) {
                streams.add(new SseReader(app.port(), stranger.key, "", null));
                streams.add(new SseReader(app.port(), stranger.key, "?types=message.queued,message.read", "0"));
                streams.add(new SseReader(app.port(), stranger.key, "?after=" + lastCursor(owner), null));
            }
            String text = owner.token + "-streamed";
            String id = created(send(owner.key, sendBody(owner, CHATTY, text, "")), 202).path("id").asText();
            tick(Duration.ZERO);
            tick(Duration.ofSeconds(2));
            assertThat(created(http.get("/v1/messages/" + id, owner.key), 200).path("status").asText()).isEqualTo("read");
            List<String> seen = new ArrayList<>();
            // every line so far, then on to the second heartbeat after the owner's events committed: a stream looks
            // for events every 200 ms and beats only when it found none for a second
            for (SseReader stream : streams) {
                assertThat(stream.response.statusCode()).isEqualTo(200);
                stream.lines.drainTo(seen);
            }
            for (SseReader stream : streams) {
                for (int beats = 0; beats < 2; ) {
                    String line = stream.lines.poll(10, TimeUnit.SECONDS);
                    assertThat(line).as("a heartbeat within 10 s").isNotNull();
                    seen.add(line);
                    beats += line.equals(": heartbeat") ? 1 : 0;
                }
            }
            for (String line : seen) {
                assertThat(line).doesNotContain(id).doesNotContain(text);
                assertShowsNothingOf(line, owner, "another key's event stream");
            }
        } finally {
            for (SseReader stream : streams) {
                stream.close();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // idempotency keys, and the admin's keys

    @Test
    void one_idempotency_key_used_by_every_key_creates_a_resource_for_each_and_replays_only_its_own() {
        Map<String, String> idem = Map.of("Idempotency-Key", "isolation-shared-" + UUID.randomUUID());
        String hookBody = "{\"url\":\"" + receiver.url("/idempotent") + "\",\"events\":[\"number.status_changed\"]}";
        Map<World, List<String>> made = new LinkedHashMap<>();
        for (World w : worlds) {
            String message = sendBody(w, "+14155553177", "same key", "");
            String chat = "{\"from_handle\":\"" + w.handle + "\",\"addresses\":[\"+14155553178\",\"+14155553179\"],"
                    + "\"message\":\"same key\"}";
            // the same body everywhere, where a body can be the same
            List<String> ids = List.of(
                    created(http.send("POST", "/v1/webhooks", w.key, "application/json", hookBody.getBytes(StandardCharsets.UTF_8),
                            idem), 201).path("id").asText(),
                    created(send(w.key, message, idem.get("Idempotency-Key")), 202).path("id").asText(),
                    created(http.send("POST", "/v1/chats", w.key, "application/json", chat.getBytes(StandardCharsets.UTF_8),
                            idem), 201).path("id").asText());
            made.put(w, ids);
            Http.Response replayed = http.send("POST", "/v1/webhooks", w.key, "application/json",
                    hookBody.getBytes(StandardCharsets.UTF_8), idem);
            assertThat(replayed.status()).isEqualTo(200);
            assertThat(replayed.json().path("data").path("id").asText()).isEqualTo(ids.getFirst());
            Http.Response resent = send(w.key, message, idem.get("Idempotency-Key"));
            assertThat(resent.status()).isEqualTo(200);
            assertThat(resent.json().path("data").path("id").asText()).isEqualTo(ids.get(1));
        }
        assertThat(made.values().stream().flatMap(List::stream).distinct()).hasSize(worlds.size() * 3);
    }

    @Test
    void a_key_the_admin_issues_sees_its_own_account_and_mode_and_revoking_or_suspending_touches_no_other() {
        World aLive = worlds.get(1);
        IssuedKey extra = admin.issueKey(accountA.account().id(), Mode.LIVE);
        assertThat(http.get("/v1/webhooks", extra.key()).text()).contains(aLive.id("HOOK"));
        assertThat(http.get("/v1/messages/" + aLive.id("MESSAGE"), extra.key()).status()).isEqualTo(200);
        assertError(http.get("/v1/messages/" + worlds.getFirst().id("MESSAGE"), extra.key()), 404, "not_found", null);

        CreatedAccount c = admin.create("isolation-c-" + UUID.randomUUID());
        admin.revoke(c.testKey().key());
        admin.setStatus(c.account().id(), Account.Status.SUSPENDED);
        clock.advance(Authenticator.CACHE_TTL.plusSeconds(1));
        assertError(http.get("/v1/numbers", c.testKey().key()), 401, "unauthorized", null);
        assertError(http.get("/v1/numbers", c.liveKey().key()), 403, "forbidden", null);
        for (World w : worlds) {
            assertThat(http.get("/v1/numbers", w.key).status()).as(w.name).isEqualTo(200);
        }
        assertThat(http.get("/v1/numbers", extra.key()).status()).isEqualTo(200);
        admin.revoke(extra.prefix());
        clock.advance(Authenticator.CACHE_TTL.plusSeconds(1));
        assertError(http.get("/v1/numbers", extra.key()), 401, "unauthorized", null);
        assertThat(http.get("/v1/numbers", aLive.key).status()).isEqualTo(200);
    }
}

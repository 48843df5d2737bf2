package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.msgbubbles.account.AccountAdmin;
import dev.msgbubbles.account.CreatedAccount;
import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code /v1/webhooks} over HTTP on a booted server (SSRF guard on, real name resolution). One subclass per store. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class WebhooksApiContract {
    private static final String PUBLIC_URL = "https://93.184.216.34/msgbubbles/events";
    /** The endpoint cap of this class's server (the tests here create up to 20 endpoints for one key). */
    private static final int MAX_ENDPOINTS = 25;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
    private TestStore store;
    private App app;
    private Http http;
    private AccountAdmin admin;

    abstract TestStore newStore();

    @BeforeAll
    void start() {
        store = newStore();
        app = App.start(store.config(Map.of("MSGBUBBLES_WEBHOOK_MAX_ENDPOINTS", Integer.toString(MAX_ENDPOINTS))), clock);
        http = new Http(app.port());
        admin = new AccountAdmin(app.database(), clock);
    }

    @AfterAll
    void stop() {
        app.close();
        store.close();
    }

    private String newKey() {
        return admin.create("hooks-" + UUID.randomUUID()).testKey().key();
    }

    private Http.Response create(String key, String json) {
        return http.postJson("/v1/webhooks", key, json);
    }

    private Http.Response send(String method, String path, String key, String json, Map<String, String> headers) {
        return http.send(method, path, key, json == null ? null : "application/json",
                json == null ? null : json.getBytes(StandardCharsets.UTF_8), headers);
    }

    private static void assertError(Http.Response response, int status, String code, String param) {
        assertThat(response.status()).as(response.text()).isEqualTo(status);
        JsonNode body = response.json();
        assertThat(body.path("error").asText()).isEqualTo(code);
        assertThat(body.path("message").asText()).isNotBlank();
        assertThat(body.path("request_id").asText()).startsWith("req_");
        if (param != null) {
            assertThat(body.path("param").asText()).isEqualTo(param);
        }
    }

    private long count(String key) {
        return http.get("/v1/webhooks?limit=100", key).json().path("data").size();
    }

    @Test
    void registering_answers_201_with_a_standard_webhooks_secret_that_reads_never_show() {
        String key = newKey();
        String now = dev.msgbubbles.common.Timestamps.format(clock.instant());
        Http.Response created = create(key, "{\"url\":\"" + PUBLIC_URL + "\"}");

        assertThat(created.status()).as(created.text()).isEqualTo(201);
        JsonNode hook = created.json().path("data");
        assertThat(hook.path("id").asText()).isNotBlank();
        assertThat(hook.path("url").asText()).isEqualTo(PUBLIC_URL);
        assertThat(hook.path("events").isNull()).as("omitted events = every event").isTrue();
        assertThat(hook.path("enabled").asBoolean()).isTrue();
        assertThat(hook.path("created_at").asText()).isEqualTo(now);
        String secret = hook.path("secret").asText();
        assertThat(secret).startsWith("whsec_");
        assertThat(Base64.getDecoder().decode(secret.substring("whsec_".length()))).hasSize(24);

        JsonNode read = http.get("/v1/webhooks/" + hook.path("id").asText(), key).json().path("data");
        assertThat(read.has("secret")).isFalse();
        assertThat(read.path("url").asText()).isEqualTo(PUBLIC_URL);
        JsonNode listed = http.get("/v1/webhooks", key).json().path("data");
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).has("secret")).isFalse();
    }

    @Test
    void an_event_filter_keeps_known_names_once_in_order_and_refuses_anything_else() {
        String key = newKey();
        JsonNode hook = create(key, "{\"url\":\"" + PUBLIC_URL + "\",\"events\":[\"message.read\",\"message.received\","
                + "\"message.read\"]}").json().path("data");
        assertThat(hook.path("events").toString()).isEqualTo("[\"message.read\",\"message.received\"]");

        assertError(create(key, "{\"url\":\"" + PUBLIC_URL + "\",\"events\":[\"message.teleported\"]}"), 400,
                "invalid_request", "events");
        assertError(create(key, "{\"url\":\"" + PUBLIC_URL + "\",\"events\":[]}"), 400, "invalid_request", "events");
        assertError(create(key, "{\"url\":\"" + PUBLIC_URL + "\",\"events\":\"message.read\"}"), 400, "invalid_request", null);
        assertError(create(key, "{\"url\":\"" + PUBLIC_URL + "\",\"events\":[1]}"), 400, "invalid_request", null);
        assertError(create(key, "{\"events\":[\"message.read\"]}"), 400, "invalid_request", "url");
        assertError(create(key, "{\"url\":\"" + PUBLIC_URL + "\",\"secret\":\"mine\"}"), 400, "invalid_request", null);
        assertError(create(key, "{\"url\":42}"), 400, "invalid_request", null);
        assertThat(count(key)).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://localhost/hook", "http://127.0.0.1:8080/hook", "http://10.0.0.1/hook",
            "http://192.168.1.20/hook", "http://172.16.5.4/hook", "http://169.254.169.254/latest/meta-data/",
            "http://100.64.0.1/hook", "http://0.0.0.0/hook", "http://224.0.0.1/hook", "https://[::1]/hook",
            "https://[fe80::1]/hook", "https://[fd00:ec2::254]/hook", "https://[::ffff:127.0.0.1]/hook",
            "ftp://93.184.216.34/hook", "not a url", "https://user:secret@93.184.216.34/hook"})
    void urls_that_are_not_public_http_endpoints_are_refused_with_invalid_url_and_nothing_is_stored(String url) {
        String key = newKey();
        assertError(create(key, "{\"url\":\"" + url + "\"}"), 400, "invalid_url", "url");
        assertThat(count(key)).isZero();
    }

    @Test
    void a_repeated_idempotency_key_replays_the_original_with_its_secret_and_a_different_body_is_409() {
        String key = newKey();
        Map<String, String> idem = Map.of("Idempotency-Key", "hook-" + UUID.randomUUID());
        String body = "{\"url\":\"" + PUBLIC_URL + "\"}";
        Http.Response first = send("POST", "/v1/webhooks", key, body, idem);
        Http.Response again = send("POST", "/v1/webhooks", key, body, idem);

        assertThat(first.status()).isEqualTo(201);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.header("Idempotent-Replayed")).contains("true");
        assertThat(again.json().path("data").path("id")).isEqualTo(first.json().path("data").path("id"));
        assertThat(again.json().path("data").path("secret")).isEqualTo(first.json().path("data").path("secret"));
        assertError(send("POST", "/v1/webhooks", key, "{\"url\":\"https://93.184.216.35/other\"}", idem), 409,
                "idempotency_key_reused", null);
        assertThat(count(key)).isEqualTo(1);
    }

    @Test
    void patch_changes_only_what_it_names_and_checks_it_like_a_registration() {
        String key = newKey();
        String id = create(key, "{\"url\":\"" + PUBLIC_URL + "\",\"events\":[\"message.read\"]}").json()
                .path("data").path("id").asText();
        String path = "/v1/webhooks/" + id;
        clock.advance(java.time.Duration.ofSeconds(5));

        JsonNode moved = send("PATCH", path, key, "{\"url\":\"https://93.184.216.35/v2\"}", Map.of()).json().path("data");
        assertThat(moved.path("url").asText()).isEqualTo("https://93.184.216.35/v2");
        assertThat(moved.path("events").toString()).isEqualTo("[\"message.read\"]");
        assertThat(moved.path("updated_at").asText()).isEqualTo(dev.msgbubbles.common.Timestamps.format(clock.instant()));
        assertThat(moved.path("updated_at").asText()).isNotEqualTo(moved.path("created_at").asText());
        assertThat(moved.has("secret")).isFalse();

        JsonNode off = send("PATCH", path, key, "{\"enabled\":false}", Map.of()).json().path("data");
        assertThat(off.path("enabled").asBoolean()).isFalse();
        assertThat(off.path("disabled_reason").asText()).isNotBlank();
        JsonNode every = send("PATCH", path, key, "{\"events\":null,\"enabled\":true}", Map.of()).json().path("data");
        assertThat(every.path("events").isNull()).isTrue();
        assertThat(every.path("enabled").asBoolean()).isTrue();
        assertThat(every.path("disabled_reason").isNull()).isTrue();

        assertError(send("PATCH", path, key, "{\"url\":\"http://127.0.0.1/x\"}", Map.of()), 400, "invalid_url", "url");
        assertError(send("PATCH", path, key, "{\"events\":[\"nope\"]}", Map.of()), 400, "invalid_request", "events");
        assertError(send("PATCH", path, key, "{\"events\":\"message.read\"}", Map.of()), 400, "invalid_request", "events");
        assertError(send("PATCH", path, key, "{\"enabled\":\"yes\"}", Map.of()), 400, "invalid_request", "enabled");
        assertError(send("PATCH", path, key, "{\"url\":null}", Map.of()), 400, "invalid_request", "url");
        assertError(send("PATCH", path, key, "{\"secret\":\"x\"}", Map.of()), 400, "invalid_request", "secret");
        assertError(send("PATCH", path, key, "{}", Map.of()), 400, "invalid_request", null);
        assertError(send("PATCH", path, key, "[]", Map.of()), 400, "invalid_request", null);
        assertError(send("PATCH", path, key, "{\"enabled\":tru", Map.of()), 400, "invalid_request", null);
        JsonNode unchanged = http.get(path, key).json().path("data");
        assertThat(unchanged.path("url").asText()).isEqualTo("https://93.184.216.35/v2");
        assertThat(unchanged.path("events").isNull()).isTrue();
    }

    @Test
    void rotating_returns_a_new_secret_once() {
        String key = newKey();
        JsonNode hook = create(key, "{\"url\":\"" + PUBLIC_URL + "\"}").json().path("data");
        Http.Response rotated = send("POST", "/v1/webhooks/" + hook.path("id").asText() + "/rotate-secret", key, null, Map.of());

        assertThat(rotated.status()).as(rotated.text()).isEqualTo(200);
        String secret = rotated.json().path("data").path("secret").asText();
        assertThat(secret).startsWith("whsec_").isNotEqualTo(hook.path("secret").asText());
        assertThat(http.get("/v1/webhooks/" + hook.path("id").asText(), key).json().path("data").has("secret")).isFalse();

        // a body it does not take is refused, as on every bodyless action, and changes nothing (it was ignored, and the
        // secret rotated); an empty object is taken; a disabled endpoint rotates too
        String path = "/v1/webhooks/" + hook.path("id").asText() + "/rotate-secret";
        assertError(send("POST", path, key, "{\"secret\":\"whsec_mine\"}", Map.of()), 400, "invalid_request", null);
        java.util.Optional<String> stored = app.database().read(h -> dev.msgbubbles.db.Sql.one(h,
                "SELECT secret FROM webhooks WHERE id = ?", row -> row.string("secret"),
                UUID.fromString(hook.path("id").asText())));
        assertThat(stored).contains(secret);
        assertThat(send("PATCH", "/v1/webhooks/" + hook.path("id").asText(), key, "{\"enabled\":false}", Map.of())
                .status()).isEqualTo(200);
        Http.Response again = send("POST", path, key, "{}", Map.of());
        assertThat(again.status()).as(again.text()).isEqualTo(200);
        assertThat(again.json().path("data").path("enabled").asBoolean()).isFalse();
        assertThat(again.json().path("data").path("secret").asText()).startsWith("whsec_").isNotEqualTo(secret);
    }

    @Test
    void concurrent_changes_of_one_endpoint_all_take_effect() throws Exception {
        // a PATCH of the url, one of the events and a rotation, at once: each reads the endpoint and writes it whole,
        // so unless the row is locked for the change the last write undoes the others (PostgreSQL, READ COMMITTED:
        // about half of the rotations answered with a secret that never signed a delivery)
        String key = newKey();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int round = 0; round < 20; round++) {
                String id = create(key, "{\"url\":\"" + PUBLIC_URL + "\"}").json().path("data").path("id").asText();
                String path = "/v1/webhooks/" + id;
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                java.util.function.Function<java.util.function.Supplier<Http.Response>,
                        java.util.concurrent.Future<Http.Response>> atOnce = call -> pool.submit(() -> {
                            go.await();
                            return call.get();
                        });
                var url = atOnce.apply(() -> send("PATCH", path, key, "{\"url\":\"https://93.184.216.35/v2\"}", Map.of()));
                var events = atOnce.apply(() -> send("PATCH", path, key, "{\"events\":[\"message.read\"]}", Map.of()));
                var rotated = atOnce.apply(() -> send("POST", path + "/rotate-secret", key, null, Map.of()));
                go.countDown();

                assertThat(url.get().status()).as(url.get().text()).isEqualTo(200);
                assertThat(events.get().status()).as(events.get().text()).isEqualTo(200);
                assertThat(rotated.get().status()).as(rotated.get().text()).isEqualTo(200);
                JsonNode now = http.get(path, key).json().path("data");
                assertThat(now.path("url").asText()).as("round %d", round).isEqualTo("https://93.184.216.35/v2");
                assertThat(now.path("events").toString()).as("round %d", round).isEqualTo("[\"message.read\"]");
                String secret = rotated.get().json().path("data").path("secret").asText();
                java.util.Optional<String> stored = app.database().read(h -> dev.msgbubbles.db.Sql.one(h,
                        "SELECT secret FROM webhooks WHERE id = ?", row -> row.string("secret"), UUID.fromString(id)));
                assertThat(stored).as("round %d: the secret the rotation answered signs", round).contains(secret);
            }
        }
    }

    @Test
    void an_account_has_at_most_the_configured_number_of_endpoints_per_mode_even_when_registering_at_once() throws Exception {
        // there was no cap: 500 endpoints made each of the account's sends write 500 deliveries, slowing every account
        CreatedAccount account = admin.create("capped-" + UUID.randomUUID());
        String key = account.testKey().key();
        Map<String, String> idem = Map.of("Idempotency-Key", "first-" + UUID.randomUUID());
        String body = "{\"url\":\"" + PUBLIC_URL + "\"}";
        assertThat(send("POST", "/v1/webhooks", key, body, idem).status()).isEqualTo(201);
        List<java.util.concurrent.Future<Http.Response>> results = new ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            for (int i = 0; i < MAX_ENDPOINTS + 10; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return create(key, body);
                }));
            }
            go.countDown();
        }
        int created = 0;
        for (var result : results) {
            Http.Response response = result.get();
            if (response.status() == 201) {
                created++;
            } else {
                assertError(response, 409, "conflict", null);
                assertThat(response.json().path("message").asText()).contains(Integer.toString(MAX_ENDPOINTS));
            }
        }
        assertThat(created).as("registered at once, beside the first").isEqualTo(MAX_ENDPOINTS - 1);
        assertThat(count(key)).isEqualTo(MAX_ENDPOINTS);

        // a repeat of a registration still answers with what it created; a new key is refused and not used up
        Http.Response again = send("POST", "/v1/webhooks", key, body, idem);
        assertThat(again.status()).as(again.text()).isEqualTo(200);
        Map<String, String> fresh = Map.of("Idempotency-Key", "fresh-" + UUID.randomUUID());
        assertError(send("POST", "/v1/webhooks", key, body, fresh), 409, "conflict", null);
        // the other mode has a cap of its own
        assertThat(create(account.liveKey().key(), body).status()).isEqualTo(201);
        // room again once one is removed, and the refused key can be used then
        String one = http.get("/v1/webhooks?limit=1", key).json().path("data").get(0).path("id").asText();
        assertThat(send("DELETE", "/v1/webhooks/" + one, key, null, Map.of()).status()).isEqualTo(200);
        assertThat(send("POST", "/v1/webhooks", key, body, fresh).status()).isEqualTo(201);
        assertThat(count(key)).isEqualTo(MAX_ENDPOINTS);
    }

    @Test
    void deleting_removes_the_endpoint_and_a_second_delete_is_404() {
        String key = newKey();
        String id = create(key, "{\"url\":\"" + PUBLIC_URL + "\"}").json().path("data").path("id").asText();
        // a body it does not take is refused before anything is deleted, as on every bodyless action
        assertError(send("DELETE", "/v1/webhooks/" + id, key, "{\"x\":1}", Map.of()), 400, "invalid_request", null);
        assertThat(http.get("/v1/webhooks/" + id, key).status()).isEqualTo(200);
        Http.Response deleted = send("DELETE", "/v1/webhooks/" + id, key, null, Map.of());

        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.json().path("data").path("deleted").asBoolean()).isTrue();
        assertError(http.get("/v1/webhooks/" + id, key), 404, "not_found", null);
        assertError(send("DELETE", "/v1/webhooks/" + id, key, null, Map.of()), 404, "not_found", null);
        assertThat(count(key)).isZero();
    }

    @Test
    void another_account_or_the_other_mode_sees_nothing_and_can_change_nothing() {
        CreatedAccount owner = admin.create("owner-" + UUID.randomUUID());
        String id = create(owner.testKey().key(), "{\"url\":\"" + PUBLIC_URL + "\"}").json().path("data").path("id").asText();
        for (String stranger : List.of(newKey(), owner.liveKey().key())) {
            assertError(http.get("/v1/webhooks/" + id, stranger), 404, "not_found", null);
            assertError(send("PATCH", "/v1/webhooks/" + id, stranger, "{\"enabled\":false}", Map.of()), 404, "not_found", null);
            assertError(send("POST", "/v1/webhooks/" + id + "/rotate-secret", stranger, null, Map.of()), 404, "not_found", null);
            assertError(send("DELETE", "/v1/webhooks/" + id, stranger, null, Map.of()), 404, "not_found", null);
            assertThat(count(stranger)).isZero();
        }
        assertThat(http.get("/v1/webhooks/" + id, owner.testKey().key()).json().path("data").path("enabled").asBoolean()).isTrue();
        assertError(http.get("/v1/webhooks/not-a-uuid", owner.testKey().key()), 404, "not_found", null);
    }

    @Test
    void pages_walk_every_endpoint_once_even_when_created_in_the_same_millisecond() {
        String key = newKey();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(create(key, "{\"url\":\"" + PUBLIC_URL + "/" + i + "\"}").json().path("data").path("id").asText());
        }
        List<String> seen = new ArrayList<>();
        String before = null;
        do {
            JsonNode page = http.get("/v1/webhooks?limit=2" + (before == null ? "" : "&before=" + before), key).json();
            page.path("data").forEach(hook -> seen.add(hook.path("id").asText()));
            before = page.path("has_more").asBoolean() ? page.path("next_before").asText() : null;
        } while (before != null);
        assertThat(seen).containsExactlyElementsOf(ids.reversed());
    }
}

package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.msgbubbles.account.CreatedAccount;
import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.account.AccountAdmin;
import dev.msgbubbles.account.Provider;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * A server for messaging tests: the sandbox network at time scale 1.0 with the background worker off, so the
 * test runs the worker by hand ({@link #tick}) and moves the clock: every transition is deterministic.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class MessagingFixture {
    protected static final String SANDBOX = "+18005550100";
    protected static final Duration WINDOW = Duration.ofMinutes(2);
    protected final MutableClock clock = new MutableClock(startTime());
    protected final AtomicInteger numbersUsed = new AtomicInteger(1000);
    protected TestStore store;
    protected App app;
    protected Http http;
    protected String key;
    protected AccountAdmin admin;
    protected NumberDirectory numbers;

    abstract TestStore newStore();

    /** Where the manual clock starts (called while the fixture is constructed: return a constant or compute one). */
    protected Instant startTime() {
        return Instant.parse("2026-11-23T10:00:00Z");
    }

    /** Configuration a subclass adds to (or overrides in) the fixture's. */
    protected Map<String, String> extraConfig() {
        return Map.of();
    }

    @BeforeAll
    void start() {
        store = newStore();
        Map<String, String> config = new java.util.HashMap<>(Map.of("MSGBUBBLES_WORKER_ENABLED", "false",
                "MSGBUBBLES_SEND_RETRY_WINDOW_SECONDS", Long.toString(WINDOW.toSeconds()),
                "MSGBUBBLES_RATE_LIMIT_PER_MINUTE", "100000", "MSGBUBBLES_EVENTS_HEARTBEAT_SECONDS", "1"));
        config.putAll(extraConfig());
        app = App.start(store.config(config), clock);
        http = new Http(app.port());
        key = app.bootstrapped().orElseThrow().testKey().key();
        admin = new AccountAdmin(app.database(), clock);
        numbers = new NumberDirectory(app.database(), clock);
    }

    @AfterAll
    void stop() {
        try {
            // PostgreSQL does not check a message's thread on insert (V18); after every flow of the class, none lacks it
            org.assertj.core.api.Assertions.assertThat(dev.msgbubbles.support.Orphans.messagesWithoutThread(app.database()))
                    .as("messages without their thread").isZero();
        } finally {
            app.close();
            store.close();
        }
    }

    protected Http.Response send(String apiKey, String json) {
        return http.postJson("/v1/messages", apiKey, json);
    }

    protected Http.Response send(String apiKey, String json, String idempotencyKey) {
        return http.send("POST", "/v1/messages", apiKey, "application/json", json.getBytes(StandardCharsets.UTF_8),
                Map.of("Idempotency-Key", idempotencyKey));
    }

    protected JsonNode accepted(String json) {
        Http.Response response = send(key, json);
        assertThat(response.status()).as(response.text()).isEqualTo(202);
        return response.json().path("data");
    }

    protected JsonNode get(String id) {
        Http.Response response = http.get("/v1/messages/" + id, key);
        assertThat(response.status()).as(response.text()).isEqualTo(200);
        return response.json().path("data");
    }

    protected String status(String id) {
        return get(id).path("status").asText();
    }

    protected void tick(Duration duration) {
        clock.advance(duration);
        app.worker().drain();
    }

    /** A message's timeline as "status/channel/detail" strings (JSON null as "null"). */
    protected static java.util.List<String> steps(JsonNode message) {
        java.util.List<String> steps = new java.util.ArrayList<>();
        message.path("timeline").forEach(t -> steps.add(t.path("status").asText() + "/" + t.path("channel").asText()
                + "/" + t.path("detail").asText()));
        return steps;
    }

    protected static String to(String last4) {
        return "+1415555" + last4;
    }

    protected String sendText(String to, String text) {
        return accepted("{\"to\":\"" + to + "\",\"from_handle\":\"" + SANDBOX + "\",\"text\":\"" + text + "\"}")
                .path("id").asText();
    }

    protected void assertError(Http.Response response, int status, String code, String param) {
        assertThat(response.status()).as(response.text()).isEqualTo(status);
        assertThat(response.json().path("error").asText()).isEqualTo(code);
        if (param != null) {
            assertThat(response.json().path("param").asText()).as(response.text()).isEqualTo(param);
        }
    }

    /** A fresh account with one sandbox number of its own: its test key and number, for tests that change state. */
    protected record Sender(CreatedAccount account, String handle) {
        String testKey() {
            return account.testKey().key();
        }

        String liveKey() {
            return account.liveKey().key();
        }
    }

    protected Sender newSender(String name, java.util.Set<ChannelType> channels, Mode mode, Provider provider) {
        CreatedAccount account = admin.create(name + "-" + java.util.UUID.randomUUID());
        String handle = "+1646555" + numbersUsed.getAndIncrement();
        numbers.add(new NumberDirectory.NewNumber(account.account().id(), handle, channels, mode, provider, null));
        return new Sender(account, handle);
    }
}

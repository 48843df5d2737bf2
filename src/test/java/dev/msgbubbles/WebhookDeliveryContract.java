package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import dev.msgbubbles.account.Provider;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.common.Timestamps;
import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.Receiver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Webhook deliveries end to end: a booted server, a recording receiver on 127.0.0.1 whose answers the test plans,
 * and a manual clock (the delivery worker runs by hand, so retries are reached by moving the clock, never by
 * waiting). Signatures are checked with the published Standard Webhooks library. One subclass per store.
 */
abstract class WebhookDeliveryContract extends MessagingFixture {
    private final Receiver receiver = new Receiver();

    /** Near the real time: the stock verifier refuses timestamps more than five minutes from its own clock. */
    @Override
    protected Instant startTime() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS);
    }

    @Override
    protected Map<String, String> extraConfig() {
        return Map.of("MSGBUBBLES_WEBHOOK_ALLOW_PRIVATE", "true", "MSGBUBBLES_WEBHOOK_RETRY_SCHEDULE", "5s,1m,5m",
                "MSGBUBBLES_WEBHOOK_RETRY_JITTER", "0", "MSGBUBBLES_WEBHOOK_TIMEOUT_MS", "400",
                "MSGBUBBLES_WEBHOOK_ENDPOINT_CONCURRENCY", "1000");
    }

    @AfterAll
    void stopReceiver() {
        receiver.close();
    }

    private record Hook(String id, String secret, String path, String key) {
    }

    private Sender sender(String name) {
        return newSender(name, EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
    }

    /** Registers an endpoint on the receiver for {@code key}; {@code events} is a JSON array or null for all. */
    private Hook hook(String key, String events) {
        String path = "/hooks/" + UUID.randomUUID();
        Http.Response created = http.postJson("/v1/webhooks", key, "{\"url\":\"" + receiver.url(path) + "\""
                + (events == null ? "" : ",\"events\":" + events) + "}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        JsonNode data = created.json().path("data");
        return new Hook(data.path("id").asText(), data.path("secret").asText(), path, key);
    }

    private String sendFrom(Sender s, String to, String text) {
        Http.Response response = send(s.testKey(), "{\"to\":\"" + to + "\",\"from_handle\":\"" + s.handle()
                + "\",\"text\":\"" + text + "\"}");
        assertThat(response.status()).as(response.text()).isEqualTo(202);
        return response.json().path("data").path("id").asText();
    }

    /** Runs the sandbox network until sent messages are read (default recipients). */
    private void lifecycle() {
        tick(Duration.ZERO);
        tick(Duration.ofSeconds(5));
    }

    private int deliver() {
        return app.deliveryWorker().drain();
    }

    private void advance(Duration duration) {
        clock.advance(duration);
        deliver();
    }

    private List<Receiver.Request> received(Hook hook) {
        return receiver.requests(hook.path());
    }

    private static List<String> types(List<Receiver.Request> requests) {
        return requests.stream().map(r -> Http.parse(r.body()).path("type").asText()).toList();
    }

    /** Signed with {@code secret}, as the published library computes it (and verified by it when recent enough). */
    private static void assertSigned(Receiver.Request request, String secret) {
        com.standardwebhooks.Webhook library = assertDoesNotThrow(() -> new com.standardwebhooks.Webhook(secret));
        long timestamp = Long.parseLong(request.header("webhook-timestamp"));
        String expected = assertDoesNotThrow(() -> library.sign(request.header("webhook-id"), timestamp, request.body()));
        assertThat(request.header("webhook-signature").split(" ")).contains(expected);
        if (Math.abs(Instant.now().getEpochSecond() - timestamp) < 240) {
            assertThatCode(() -> library.verify(request.body(), request.verifierHeaders())).doesNotThrowAnyException();
        }
    }

    private static <T> T assertDoesNotThrow(java.util.concurrent.Callable<T> call) {
        try {
            return call.call();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Runs {@code admin number set-status} in its own JVM against this class's store, beside the running server. */
    private void setStatus(String handle, String status) {
        dev.msgbubbles.support.Cli.Result result = dev.msgbubbles.support.Cli.run(store.environment(), "admin", "number",
                "set-status", "--handle", handle, "--status", status);
        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(Http.parse(result.out()).path("status").asText()).isEqualTo(status);
    }

    @Test
    void a_number_whose_status_admin_changes_emits_number_status_changed_to_its_account_and_webhooks() {
        Sender s = sender("number-status");
        Hook hook = hook(s.testKey(), "[\"number.status_changed\"]");
        Hook all = hook(s.testKey(), null);

        setStatus(s.handle(), "offline");
        setStatus(s.handle(), "offline"); // no change: no event
        setStatus(s.handle(), "online");
        // the CLI's jobs are due at its own (real) time; this server's clock may lag it
        Duration behind = Duration.between(clock.instant(), Instant.now());
        advance(behind.isNegative() ? Duration.ZERO : behind.plusSeconds(1));

        List<Receiver.Request> got = received(hook);
        assertThat(types(got)).containsExactly("number.status_changed", "number.status_changed");
        List<String> statuses = got.stream().map(r -> Http.parse(r.body()).path("data").path("status").asText()).toList();
        assertThat(statuses).containsExactly("offline", "online");
        JsonNode data = Http.parse(got.getFirst().body()).path("data");
        assertThat(data.path("handle").asText()).isEqualTo(s.handle());
        assertThat(data.path("channels")).hasSize(2);
        got.forEach(request -> assertSigned(request, hook.secret()));
        assertThat(types(received(all))).containsExactly("number.status_changed", "number.status_changed");

        JsonNode events = http.get("/v1/events?types=number.status_changed", s.testKey()).json().path("data");
        assertThat(events).hasSize(2);
        assertThat(events.get(0).path("data")).isEqualTo(data);
        assertThat(http.get("/v1/events?types=number.status_changed", s.liveKey()).json().path("data"))
                .as("the number is a test-mode number: nothing in live mode").isEmpty();
        assertThat(http.get("/v1/events?types=number.status_changed", key).json().path("data"))
                .as("nothing for another account").isEmpty();
    }

    private JsonNode deliveries(Hook hook) {
        Http.Response response = http.get("/v1/webhooks/" + hook.id() + "/deliveries?limit=100", hook.key());
        assertThat(response.status()).as(response.text()).isEqualTo(200);
        return response.json().path("data");
    }

    private Http.Response post(String path, String key, String json) {
        return http.send("POST", path, key, json == null ? null : "application/json",
                json == null ? null : json.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    @Test
    void every_event_of_a_send_reaches_the_endpoint_once_signed_in_order_and_as_the_event_log_has_it() {
        Sender s = sender("hooked");
        Hook hook = hook(s.testKey(), null);
        String id = sendFrom(s, to("1234"), "hello hooks");
        lifecycle();
        deliver();
        deliver();

        List<Receiver.Request> got = received(hook);
        assertThat(types(got)).containsExactly("message.queued", "message.sent", "message.delivered", "message.read");
        JsonNode events = http.get("/v1/events?limit=100", s.testKey()).json().path("data");
        assertThat(events).hasSize(4);
        for (int i = 0; i < got.size(); i++) {
            Receiver.Request request = got.get(i);
            assertSigned(request, hook.secret());
            assertThat(request.header("webhook-id")).isEqualTo(events.get(i).path("id").asText());
            assertThat(request.header("content-type")).startsWith("application/json");
            assertThat(Http.parse(request.body())).isEqualTo(events.get(i)); // the same object, cursor included
            assertThat(Http.parse(request.body()).path("data").path("id").asText()).isEqualTo(id);
        }
        JsonNode log = deliveries(hook);
        assertThat(log).hasSize(4);
        for (JsonNode delivery : log) {
            assertThat(delivery.path("status").asText()).isEqualTo("succeeded");
            assertThat(delivery.path("webhook_id").asText()).isEqualTo(hook.id());
            assertThat(delivery.path("next_attempt_at").isNull()).isTrue();
            assertThat(delivery.path("attempts")).hasSize(1);
            assertThat(delivery.path("attempts").get(0).path("status_code").asInt()).isEqualTo(200);
            assertThat(delivery.path("attempts").get(0).path("latency_ms").asLong()).isGreaterThanOrEqualTo(0);
        }
        advance(Duration.ofDays(5));
        assertThat(received(hook)).hasSize(4); // exactly once to a healthy receiver
    }

    @Test
    void a_5xx_is_retried_on_schedule_with_the_same_webhook_id_and_then_succeeds() {
        Sender s = sender("retry");
        Hook hook = hook(s.testKey(), "[\"message.queued\"]");
        receiver.plan(hook.path(), Receiver.Answer.status(503).withBody("down for maintenance"));
        sendFrom(s, to("1234"), "try again");
        Instant first = clock.instant();
        deliver();

        JsonNode pending = deliveries(hook).get(0);
        assertThat(pending.path("status").asText()).isEqualTo("pending");
        assertThat(pending.path("next_attempt_at").asText()).isEqualTo(Timestamps.format(first.plusSeconds(5)));
        assertThat(pending.path("attempts").get(0).path("status_code").asInt()).isEqualTo(503);
        assertThat(pending.path("attempts").get(0).path("error").asText()).contains("503");
        assertThat(pending.path("attempts").get(0).path("response_excerpt").asText()).isEqualTo("down for maintenance");

        advance(Duration.ofMillis(4_999));
        assertThat(received(hook)).hasSize(1);
        advance(Duration.ofMillis(1));
        List<Receiver.Request> got = received(hook);
        assertThat(got).hasSize(2);
        assertThat(got.get(1).header("webhook-id")).isEqualTo(got.get(0).header("webhook-id"));
        assertThat(got.get(1).body()).isEqualTo(got.get(0).body());
        assertSigned(got.get(1), hook.secret());
        JsonNode done = deliveries(hook).get(0);
        assertThat(done.path("status").asText()).isEqualTo("succeeded");
        assertThat(done.path("attempts")).hasSize(2);
        assertThat(done.path("attempts").get(1).path("status_code").asInt()).isEqualTo(200);
    }

    @Test
    void a_4xx_other_than_408_and_429_is_final_and_a_redirect_is_not_followed() {
        Sender s = sender("final");
        Hook hook = hook(s.testKey(), "[\"message.queued\"]");
        receiver.plan(hook.path(), Receiver.Answer.status(400),
                Receiver.Answer.status(302).withHeader("Location", receiver.url(hook.path() + "/elsewhere")));
        sendFrom(s, to("1234"), "one");
        sendFrom(s, to("1235"), "two");
        deliver();
        advance(Duration.ofDays(5));

        assertThat(received(hook)).hasSize(2);
        assertThat(receiver.requests(hook.path() + "/elsewhere")).isEmpty();
        JsonNode log = deliveries(hook);
        assertThat(log).allSatisfy(d -> {
            assertThat(d.path("status").asText()).isEqualTo("failed");
            assertThat(d.path("attempts")).hasSize(1);
        });
        assertThat(log.findValuesAsText("error")).anySatisfy(e -> assertThat(e).contains("redirects are not followed"));
    }

    @Test
    void a_timeout_is_retried() {
        Sender s = sender("slow");
        Hook hook = hook(s.testKey(), "[\"message.queued\"]");
        receiver.plan(hook.path(), Receiver.Answer.status(200).after(Duration.ofMillis(1500)));
        sendFrom(s, to("1234"), "slowly");
        deliver();

        JsonNode attempt = deliveries(hook).get(0).path("attempts").get(0);
        assertThat(attempt.path("status_code").isNull()).isTrue();
        assertThat(attempt.path("error").asText()).contains("timed out");
        assertThat(deliveries(hook).get(0).path("status").asText()).isEqualTo("pending");
        advance(Duration.ofSeconds(5));
        assertThat(deliveries(hook).get(0).path("status").asText()).isEqualTo("succeeded");
    }

    @Test
    void retry_after_is_honoured_when_it_asks_for_longer_than_the_schedule() {
        Sender s = sender("later");
        Hook hook = hook(s.testKey(), "[\"message.queued\"]");
        receiver.plan(hook.path(), Receiver.Answer.status(429).withHeader("Retry-After", "120"));
        sendFrom(s, to("1234"), "not now");
        Instant first = clock.instant();
        deliver();

        assertThat(deliveries(hook).get(0).path("next_attempt_at").asText())
                .isEqualTo(Timestamps.format(first.plusSeconds(120)));
        advance(Duration.ofSeconds(5));
        advance(Duration.ofSeconds(60));
        assertThat(received(hook)).hasSize(1);
        advance(Duration.ofSeconds(55));
        assertThat(received(hook)).hasSize(2);
        assertThat(deliveries(hook).get(0).path("status").asText()).isEqualTo("succeeded");
    }

    @Test
    void an_endpoint_whose_last_three_events_used_up_their_retries_is_disabled_and_can_be_enabled_again() {
        Sender s = sender("broken");
        Hook hook = hook(s.testKey(), "[\"message.queued\"]");
        Receiver.Answer[] failures = new Receiver.Answer[12];
        Arrays.fill(failures, Receiver.Answer.status(500));
        receiver.plan(hook.path(), failures); // three deliveries, four attempts each (schedule 5s, 1m, 5m)
        exhaust(s, "doomed", 3);

        assertThat(received(hook)).hasSize(12);
        JsonNode log = deliveries(hook);
        assertThat(log).hasSize(3).allSatisfy(d -> {
            assertThat(d.path("status").asText()).isEqualTo("failed");
            assertThat(d.path("attempts")).hasSize(4);
        });
        JsonNode webhook = http.get("/v1/webhooks/" + hook.id(), s.testKey()).json().path("data");
        assertThat(webhook.path("enabled").asBoolean()).isFalse();
        assertThat(webhook.path("disabled_reason").asText()).contains("used up every retry");

        sendFrom(s, to("1234"), "while disabled");
        deliver();
        assertThat(deliveries(hook)).hasSize(3); // a disabled endpoint is owed nothing

        Http.Response enabled = http.send("PATCH", "/v1/webhooks/" + hook.id(), s.testKey(), "application/json",
                "{\"enabled\":true}".getBytes(StandardCharsets.UTF_8), Map.of());
        assertThat(enabled.status()).as(enabled.text()).isEqualTo(200);
        assertThat(enabled.json().path("data").path("disabled_reason").isNull()).isTrue();
        sendFrom(s, to("1234"), "back");
        deliver();
        assertThat(deliveries(hook).get(0).path("status").asText()).isEqualTo("succeeded");
    }

    @Test
    void a_delivery_the_endpoint_answered_for_good_breaks_the_row_of_exhausted_ones() {
        Sender s = sender("answers");
        Hook hook = hook(s.testKey(), "[\"message.queued\"]");
        Receiver.Answer[] failures = new Receiver.Answer[8];
        Arrays.fill(failures, Receiver.Answer.status(500));
        receiver.plan(hook.path(), failures); // two deliveries, four attempts each (schedule 5s, 1m, 5m)
        exhaust(s, "doomed early", 2);
        receiver.plan(hook.path(), Receiver.Answer.status(404)); // final at once: an answer, not an exhausted delivery
        sendFrom(s, to("1234"), "refused");
        deliver();
        receiver.plan(hook.path(), failures);
        exhaust(s, "doomed late", 2);

        JsonNode log = deliveries(hook);
        assertThat(log).hasSize(5).allSatisfy(d -> assertThat(d.path("status").asText()).isEqualTo("failed"));
        JsonNode webhook = http.get("/v1/webhooks/" + hook.id(), s.testKey()).json().path("data");
        assertThat(webhook.path("enabled").asBoolean()).as("the last three events did not all use up their retries")
                .isTrue();

        receiver.plan(hook.path(), Arrays.copyOf(failures, 4));
        exhaust(s, "doomed third", 1);
        webhook = http.get("/v1/webhooks/" + hook.id(), s.testKey()).json().path("data");
        assertThat(webhook.path("enabled").asBoolean()).isFalse();
    }

    /** Sends {@code count} messages and runs their deliveries through every retry of the test schedule. */
    private void exhaust(Sender s, String text, int count) {
        for (int i = 0; i < count; i++) {
            sendFrom(s, to("1234"), text + " " + i);
        }
        deliver();
        for (Duration step : List.of(Duration.ofSeconds(5), Duration.ofMinutes(1), Duration.ofMinutes(5))) {
            advance(step);
        }
    }

    @Test
    void replay_sends_the_events_since_a_time_again_in_order_with_their_ids() {
        Sender s = sender("replay");
        Hook hook = hook(s.testKey(), "[\"message.queued\",\"message.delivered\"]");
        sendFrom(s, to("1234"), "before");
        lifecycle();
        deliver();
        clock.advance(Duration.ofMinutes(1));
        Instant since = clock.instant();
        sendFrom(s, to("1234"), "after one");
        sendFrom(s, to("1235"), "after two");
        lifecycle();
        deliver();
        List<Receiver.Request> original = received(hook);
        assertThat(original).hasSize(6);

        Http.Response replay = post("/v1/webhooks/" + hook.id() + "/replay", s.testKey(),
                "{\"since\":\"" + Timestamps.format(since) + "\"}");
        assertThat(replay.status()).as(replay.text()).isEqualTo(202);
        assertThat(replay.json().path("data").path("status").asText()).isEqualTo("queued");
        deliver();
        deliver();

        List<Receiver.Request> again = received(hook).subList(6, received(hook).size());
        List<String> expectedIds = original.subList(2, 6).stream().map(r -> r.header("webhook-id")).toList();
        assertThat(again.stream().map(r -> r.header("webhook-id")).toList()).containsExactlyInAnyOrderElementsOf(expectedIds);
        assertThat(again).allSatisfy(r -> assertSigned(r, hook.secret()));
        List<Long> cursors = new ArrayList<>();
        again.forEach(r -> cursors.add(Http.parse(r.body()).path("cursor").asLong()));
        assertThat(types(again)).containsOnly("message.queued", "message.delivered");
        assertThat(deliveries(hook)).hasSize(10);
    }

    @Test
    void a_replay_skips_events_still_pending_for_the_endpoint_and_sends_the_settled_ones_again() {
        // two replays before the first was delivered (or a replay over deliveries still retrying) queued every event
        // once per replay: the receiver got each twice
        Sender s = sender("replay-twice");
        Hook hook = hook(s.testKey(), "[\"message.queued\"]");
        Instant since = clock.instant();
        sendFrom(s, to("1234"), "one");
        sendFrom(s, to("1234"), "two");
        deliver();
        receiver.plan(hook.path(), Receiver.Answer.status(503));
        sendFrom(s, to("1234"), "three"); // fails: pending, its retry due in 5 s
        deliver();
        List<Receiver.Request> original = received(hook);
        assertThat(original).hasSize(3);

        String replay = "/v1/webhooks/" + hook.id() + "/replay";
        String body = "{\"since\":\"" + Timestamps.format(since) + "\"}";
        // the first replay's deliveries fail once, so that they are still pending whenever the second replay runs (it
        // runs after the first, in one lane; had they succeeded by then, they would be settled and sent again)
        receiver.plan(hook.path(), Receiver.Answer.status(503), Receiver.Answer.status(503));
        assertThat(post(replay, s.testKey(), body).status()).isEqualTo(202);
        assertThat(post(replay, s.testKey(), body).status()).isEqualTo(202);
        deliver();

        List<Receiver.Request> replayed = received(hook).subList(3, received(hook).size());
        assertThat(replayed.stream().map(r -> r.header("webhook-id")).toList()).as("once each, the retrying one not at all")
                .containsExactly(original.get(0).header("webhook-id"), original.get(1).header("webhook-id"));
        assertThat(deliveries(hook)).hasSize(5);
        advance(Duration.ofSeconds(5)); // the three retries
        assertThat(received(hook)).hasSize(8);

        // everything settled now: a replay sends all three again, in event order
        assertThat(post(replay, s.testKey(), body).status()).isEqualTo(202);
        deliver();
        List<Receiver.Request> again = received(hook).subList(8, received(hook).size());
        assertThat(again.stream().map(r -> r.header("webhook-id")).toList())
                .containsExactlyElementsOf(original.stream().map(r -> r.header("webhook-id")).toList());
        assertThat(deliveries(hook)).hasSize(8);
    }

    @Test
    void delivery_pages_walk_every_delivery_once_when_many_share_a_millisecond() {
        Sender s = sender("log-pages");
        Hook hook = hook(s.testKey(), "[\"message.queued\"]");
        Instant since = clock.instant();
        for (int i = 0; i < 3; i++) {
            sendFrom(s, to("1234"), "page " + i);
        }
        deliver();
        // a replay writes its deliveries in one transaction, all created in the same millisecond
        assertThat(post("/v1/webhooks/" + hook.id() + "/replay", s.testKey(),
                "{\"since\":\"" + Timestamps.format(since) + "\"}").status()).isEqualTo(202);
        deliver();
        List<String> all = new ArrayList<>();
        deliveries(hook).forEach(d -> all.add(d.path("id").asText()));
        assertThat(all).hasSize(6).doesNotHaveDuplicates();

        List<String> walked = new ArrayList<>();
        String before = null;
        do {
            JsonNode page = http.get("/v1/webhooks/" + hook.id() + "/deliveries?limit=2"
                    + (before == null ? "" : "&before=" + before), s.testKey()).json();
            page.path("data").forEach(d -> walked.add(d.path("id").asText()));
            before = page.path("has_more").asBoolean() ? page.path("next_before").asText() : null;
        } while (before != null);
        assertThat(walked).containsExactlyElementsOf(all);
    }

    @Test
    void after_a_rotation_deliveries_carry_both_signatures_for_a_day() {
        Sender s = sender("rotate");
        Hook hook = hook(s.testKey(), "[\"message.queued\"]");
        Http.Response rotated = post("/v1/webhooks/" + hook.id() + "/rotate-secret", s.testKey(), null);
        assertThat(rotated.status()).as(rotated.text()).isEqualTo(200);
        String fresh = rotated.json().path("data").path("secret").asText();
        sendFrom(s, to("1234"), "rotated");
        deliver();

        Receiver.Request request = received(hook).getFirst();
        assertThat(request.header("webhook-signature").split(" ")).hasSize(2);
        assertSigned(request, fresh);
        assertSigned(request, hook.secret());

        clock.advance(Duration.ofHours(24));
        sendFrom(s, to("1234"), "a day later");
        deliver();
        Receiver.Request later = received(hook).getLast();
        assertThat(later.header("webhook-signature").split(" ")).hasSize(1);
        assertSigned(later, fresh);
    }

    @Test
    void a_second_rotation_within_a_day_keeps_the_first_secret_signing_until_its_own_day_ends() {
        // the second rotation used to retire the original secret at once: receivers still holding it failed to verify
        Sender s = sender("rotate-twice");
        Hook hook = hook(s.testKey(), "[\"message.queued\"]");
        String rotate = "/v1/webhooks/" + hook.id() + "/rotate-secret";
        String second = post(rotate, s.testKey(), null).json().path("data").path("secret").asText();
        clock.advance(Duration.ofHours(1));
        Http.Response again = post(rotate, s.testKey(), null);
        assertThat(again.status()).as(again.text()).isEqualTo(200);
        String third = again.json().path("data").path("secret").asText();
        assertThat(third).startsWith("whsec_").isNotIn(hook.secret(), second);
        assertThat(http.get("/v1/webhooks/" + hook.id(), s.testKey()).json().path("data").has("secret")).isFalse();

        sendFrom(s, to("1234"), "three secrets");
        deliver();
        Receiver.Request request = received(hook).getLast();
        assertThat(request.header("webhook-signature").split(" ")).hasSize(3);
        assertSigned(request, third);
        assertSigned(request, second);
        assertSigned(request, hook.secret());

        clock.advance(Duration.ofHours(23)); // a day after the first rotation: the original secret has had its day
        sendFrom(s, to("1234"), "two secrets");
        deliver();
        request = received(hook).getLast();
        assertThat(request.header("webhook-signature").split(" ")).hasSize(2);
        assertSigned(request, third);
        assertSigned(request, second);

        clock.advance(Duration.ofHours(1));
        sendFrom(s, to("1234"), "one secret");
        deliver();
        request = received(hook).getLast();
        assertThat(request.header("webhook-signature").split(" ")).hasSize(1);
        assertSigned(request, third);
    }

    @Test
    void an_endpoint_gets_only_the_event_types_it_subscribed_to() {
        Sender s = sender("filter");
        Hook delivered = hook(s.testKey(), "[\"message.delivered\"]");
        Hook all = hook(s.testKey(), null);
        sendFrom(s, to("1234"), "filtered");
        lifecycle();
        deliver();

        assertThat(types(received(delivered))).containsExactly("message.delivered");
        assertThat(types(received(all))).hasSize(4);
    }

    @Test
    void events_of_one_account_or_mode_never_reach_another_accounts_or_modes_endpoints() {
        Sender a = sender("iso-a");
        Sender b = sender("iso-b");
        Hook hookA = hook(a.testKey(), null);
        Hook hookB = hook(b.testKey(), null);
        Hook liveA = hook(a.liveKey(), null);
        sendFrom(a, to("1234"), "for a only");
        lifecycle();
        deliver();

        assertThat(received(hookA)).hasSize(4);
        assertThat(received(hookB)).isEmpty();
        assertThat(received(liveA)).isEmpty();
        assertError(http.get("/v1/webhooks/" + hookA.id() + "/deliveries", b.testKey()), 404, "not_found", null);
        assertError(http.get("/v1/webhooks/" + hookA.id() + "/deliveries", a.liveKey()), 404, "not_found", null);
        String deliveryId = deliveries(hookA).get(0).path("id").asText();
        assertError(http.get("/v1/webhooks/" + hookB.id() + "/deliveries/" + deliveryId, b.testKey()), 404, "not_found", null);
        assertError(post("/v1/webhooks/" + hookB.id() + "/deliveries/" + deliveryId + "/retry", b.testKey(), null),
                404, "not_found", null);
        assertError(post("/v1/webhooks/" + hookA.id() + "/replay", b.testKey(), "{\"since\":\"2026-01-01T00:00:00Z\"}"),
                404, "not_found", null);
        assertError(post("/v1/webhooks/" + hookA.id() + "/test", b.testKey(), null), 404, "not_found", null);
    }

    @Test
    void a_test_ping_is_sent_now_once_and_answered_with_its_delivery() {
        Sender s = sender("ping");
        Hook hook = hook(s.testKey(), "[\"message.read\"]");
        Http.Response ok = post("/v1/webhooks/" + hook.id() + "/test", s.testKey(), null);
        assertThat(ok.status()).as(ok.text()).isEqualTo(200);
        JsonNode delivery = ok.json().path("data");
        assertThat(delivery.path("status").asText()).isEqualTo("succeeded");
        assertThat(delivery.path("event_type").asText()).isEqualTo("webhook.test");
        assertThat(delivery.path("attempts").get(0).path("status_code").asInt()).isEqualTo(200);
        Receiver.Request request = received(hook).getFirst();
        assertSigned(request, hook.secret());
        assertThat(Http.parse(request.body()).path("type").asText()).isEqualTo("webhook.test");
        assertThat(Http.parse(request.body()).path("data").path("webhook_id").asText()).isEqualTo(hook.id());

        receiver.plan(hook.path(), Receiver.Answer.status(500));
        JsonNode failed = post("/v1/webhooks/" + hook.id() + "/test", s.testKey(), "{}").json().path("data");
        assertThat(failed.path("status").asText()).isEqualTo("failed");
        advance(Duration.ofHours(1));
        assertThat(received(hook)).hasSize(2); // a ping is not retried
        assertError(post("/v1/webhooks/" + hook.id() + "/test", s.testKey(), "{\"x\":1}"), 400, "invalid_request", null);
    }

    @Test
    void an_answer_holding_nul_bytes_is_recorded_once_with_them_replaced() {
        // PostgreSQL's text refuses NUL: the attempt could not be recorded, so the delivery stayed pending without
        // attempts and its job sent the event again after every backoff, for ever; a test ping answered 500
        Sender s = sender("nul");
        Hook hook = hook(s.testKey(), "[\"message.queued\"]");
        receiver.plan(hook.path(), Receiver.Answer.status(200).withBody("ok\u0000binary"));
        sendFrom(s, to("1234"), "answered in binary");
        deliver();
        advance(Duration.ofMinutes(10)); // a job that failed would have run again by now

        assertThat(received(hook)).hasSize(1);
        JsonNode delivery = deliveries(hook).get(0);
        assertThat(delivery.path("status").asText()).isEqualTo("succeeded");
        assertThat(delivery.path("attempts").get(0).path("response_excerpt").asText()).isEqualTo("ok\uFFFDbinary");

        receiver.plan(hook.path(), Receiver.Answer.status(500).withBody("\u0000"));
        Http.Response ping = post("/v1/webhooks/" + hook.id() + "/test", s.testKey(), null);
        assertThat(ping.status()).as(ping.text()).isEqualTo(200);
        JsonNode attempt = ping.json().path("data").path("attempts").get(0);
        assertThat(attempt.path("status_code").asInt()).isEqualTo(500);
        assertThat(attempt.path("response_excerpt").asText()).isEqualTo("\uFFFD");
    }

    @Test
    void a_settled_delivery_can_be_sent_again_and_a_pending_one_cannot() {
        Sender s = sender("manual");
        Hook hook = hook(s.testKey(), "[\"message.queued\"]");
        receiver.plan(hook.path(), Receiver.Answer.status(410), Receiver.Answer.status(503));
        sendFrom(s, to("1234"), "gone");
        deliver();
        JsonNode failed = deliveries(hook).get(0);
        assertThat(failed.path("status").asText()).isEqualTo("failed");
        String retryPath = "/v1/webhooks/" + hook.id() + "/deliveries/" + failed.path("id").asText() + "/retry";

        Http.Response retried = post(retryPath, s.testKey(), null);
        assertThat(retried.status()).as(retried.text()).isEqualTo(202);
        assertThat(retried.json().path("data").path("status").asText()).isEqualTo("pending");
        deliver(); // answered 503: pending again, on the schedule
        assertError(post(retryPath, s.testKey(), null), 409, "conflict", null);
        advance(Duration.ofSeconds(5));
        JsonNode done = http.get("/v1/webhooks/" + hook.id() + "/deliveries/" + failed.path("id").asText(), s.testKey())
                .json().path("data");
        assertThat(done.path("status").asText()).isEqualTo("succeeded");
        assertThat(done.path("attempts")).extracting(a -> a.path("status_code").asInt()).containsExactly(410, 503, 200);

        assertError(post("/v1/webhooks/" + hook.id() + "/deliveries/" + UUID.randomUUID() + "/retry", s.testKey(), null),
                404, "not_found", null);
        assertError(post("/v1/webhooks/" + hook.id() + "/deliveries/nope/retry", s.testKey(), null), 404, "not_found", null);
        assertError(post(retryPath, s.testKey(), "{\"now\":true}"), 400, "invalid_request", null);
    }

    @Test
    void replay_and_listing_refuse_bad_input_with_documented_errors() {
        Sender s = sender("replay-errors");
        Hook hook = hook(s.testKey(), null);
        String replay = "/v1/webhooks/" + hook.id() + "/replay";
        assertError(post(replay, s.testKey(), "{}"), 400, "invalid_request", "since");
        assertError(post(replay, s.testKey(), "{\"since\":\"yesterday\"}"), 400, "invalid_request", "since");
        assertError(post(replay, s.testKey(), "{\"since\":42}"), 400, "invalid_request", null);
        assertError(post(replay, s.testKey(), "[]"), 400, "invalid_request", null);
        assertError(post(replay, s.testKey(), "{\"since\":\"2026-01-01T00:00:00Z\",\"until\":1}"), 400, "invalid_request", null);
        assertError(post(replay, s.testKey(), null), 400, "invalid_request", null);
        assertError(post("/v1/webhooks/" + UUID.randomUUID() + "/replay", s.testKey(), "{\"since\":\"2026-01-01T00:00:00Z\"}"),
                404, "not_found", null);
        assertError(http.get("/v1/webhooks/" + hook.id() + "/deliveries?limit=0", s.testKey()), 400, "invalid_request", "limit");
        assertError(http.get("/v1/webhooks/" + hook.id() + "/deliveries?before=nope", s.testKey()), 400, "invalid_request", "before");
        assertError(http.get("/v1/webhooks/" + hook.id() + "/deliveries?status=failed", s.testKey()), 400, "invalid_request", "status");

        Http.Response disabled = http.send("PATCH", "/v1/webhooks/" + hook.id(), s.testKey(), "application/json",
                "{\"enabled\":false}".getBytes(StandardCharsets.UTF_8), Map.of());
        assertThat(disabled.status()).isEqualTo(200);
        assertError(post(replay, s.testKey(), "{\"since\":\"2026-01-01T00:00:00Z\"}"), 409, "conflict", null);
    }

    @Test
    void a_conversations_events_reach_an_endpoint_in_event_order() {
        Sender s = sender("order");
        Hook hook = hook(s.testKey(), null);
        for (int i = 0; i < 5; i++) {
            sendFrom(s, to("1234"), "in order " + i);
        }
        lifecycle();
        deliver();
        deliver();

        List<Long> cursors = received(hook).stream().map(r -> Http.parse(r.body()).path("cursor").asLong()).toList();
        assertThat(cursors).hasSize(20).isSorted();
    }

    @Test
    void deleting_an_endpoint_drops_its_pending_deliveries() {
        Sender s = sender("deleted");
        Hook hook = hook(s.testKey(), "[\"message.queued\"]");
        receiver.plan(hook.path(), Receiver.Answer.status(500));
        sendFrom(s, to("1234"), "bye");
        deliver();
        Http.Response deleted = http.send("DELETE", "/v1/webhooks/" + hook.id(), s.testKey(), null, null, Map.of());
        assertThat(deleted.status()).isEqualTo(200);
        advance(Duration.ofHours(1));
        assertThat(received(hook)).hasSize(1);
        assertError(http.get("/v1/webhooks/" + hook.id() + "/deliveries", s.testKey()), 404, "not_found", null);
    }

    @Test
    void a_removed_endpoint_s_log_goes_later_in_chunks_with_the_attempt_that_was_under_way() throws Exception {
        // DELETE removed the whole log in its own transaction (SQLite's only writer held for as long as a month of log
        // took), and an attempt under way recorded itself after its delivery had gone: a row nothing ever reached
        Sender s = sender("deleted-mid-attempt");
        Hook hook = hook(s.testKey(), "[\"message.queued\"]");
        Hook kept = hook(s.testKey(), "[\"message.queued\"]");
        sendFrom(s, to("1233"), "settled");
        deliver();
        receiver.plan(hook.path(), Receiver.Answer.status(503).after(Duration.ofMillis(250)));
        sendFrom(s, to("1234"), "in flight");
        try (var background = java.util.concurrent.Executors.newSingleThreadExecutor()) {
            var worker = background.submit(this::deliver);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (received(hook).size() < 2 && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // until the endpoint has the request: the attempt is under way
            }
            assertThat(received(hook)).hasSize(2);
            Http.Response deleted = http.send("DELETE", "/v1/webhooks/" + hook.id(), s.testKey(), null, null, Map.of());
            assertThat(deleted.status()).isEqualTo(200);
            worker.get();
        }
        assertThat(logRows(hook)).as("left to the job, not removed by the request").isEqualTo(List.of(2L, 2L));
        advance(Duration.ofMinutes(10)); // the job is due; the retry the attempt planned finds no endpoint
        assertThat(logRows(hook)).isEqualTo(List.of(0L, 0L));
        assertThat(logRows(kept)).isEqualTo(List.of(2L, 2L));
        assertThat(received(hook)).hasSize(2);
    }

    /** The endpoint's deliveries and attempts in the store. */
    private List<Long> logRows(Hook hook) {
        UUID id = UUID.fromString(hook.id());
        return app.database().read(h -> List.of(
                dev.msgbubbles.db.Sql.one(h, "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE webhook_id = ?",
                        row -> row.longValue("n"), id).orElseThrow(),
                dev.msgbubbles.db.Sql.one(h, "SELECT COUNT(*) AS n FROM webhook_attempts WHERE delivery_id IN "
                        + "(SELECT id FROM webhook_deliveries WHERE webhook_id = ?) OR delivery_id NOT IN "
                        + "(SELECT id FROM webhook_deliveries)", row -> row.longValue("n"), id).orElseThrow()));
    }

    private Http.Response patch(Hook hook, String json) {
        return http.send("PATCH", "/v1/webhooks/" + hook.id(), hook.key(), "application/json",
                json.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    @Test
    void deliveries_queued_before_their_type_was_unsubscribed_or_the_endpoint_disabled_are_dropped_not_sent() {
        // they went out all the same: the filter was applied when the event was written, never again
        Sender s = sender("unsubscribed");
        Hook retrying = hook(s.testKey(), "[\"message.queued\",\"message.read\"]");
        Hook queued = hook(s.testKey(), "[\"message.queued\",\"message.read\"]");
        Hook disabled = hook(s.testKey(), "[\"message.queued\"]");
        receiver.plan(retrying.path(), Receiver.Answer.status(503));
        sendFrom(s, to("1234"), "soon unwanted");
        deliver(); // each endpoint's first attempt; the first endpoint's fails and waits for its retry
        assertThat(received(retrying)).hasSize(1);
        sendFrom(s, to("1235"), "never wanted");

        assertThat(patch(retrying, "{\"events\":[\"message.read\"]}").status()).isEqualTo(200);
        assertThat(patch(queued, "{\"events\":[\"message.read\"]}").status()).isEqualTo(200);
        assertThat(patch(disabled, "{\"enabled\":false}").status()).isEqualTo(200);
        advance(Duration.ofMinutes(10));

        assertThat(received(retrying)).as("the retry is not made").hasSize(1);
        assertThat(received(queued)).as("the second event's first attempt is not made").hasSize(1);
        assertThat(received(disabled)).hasSize(1);
        assertThat(deliveries(retrying).get(0).path("status").asText()).isEqualTo("dropped");
        JsonNode dropped = deliveries(retrying).get(1);
        assertThat(dropped.path("status").asText()).isEqualTo("dropped");
        assertThat(dropped.path("attempts")).as("the first attempt only").hasSize(1);
        assertThat(deliveries(queued).get(0).path("status").asText()).isEqualTo("dropped");
        assertThat(deliveries(queued).get(0).path("attempts")).isEmpty();
        assertThat(deliveries(queued).get(1).path("status").asText()).isEqualTo("succeeded");
        assertThat(deliveries(disabled).get(0).path("status").asText()).isEqualTo("dropped");
        assertThat(deliveries(disabled).get(0).path("attempts")).isEmpty();
        // a manual resend of a type the endpoint no longer takes is refused, like one to a disabled endpoint
        assertError(post("/v1/webhooks/" + retrying.id() + "/deliveries/" + dropped.path("id").asText() + "/retry",
                s.testKey(), null), 409, "conflict", null);
        assertThat(patch(retrying, "{\"events\":null}").status()).isEqualTo(200);
        Http.Response resent = post("/v1/webhooks/" + retrying.id() + "/deliveries/" + dropped.path("id").asText()
                + "/retry", s.testKey(), null);
        assertThat(resent.status()).as(resent.text()).isEqualTo(202);
        deliver();
        assertThat(received(retrying)).hasSize(2);
    }

    @Test
    void metrics_count_deliveries_by_outcome_and_time_attempts() {
        Sender s = sender("metrics");
        hook(s.testKey(), "[\"message.queued\"]");
        sendFrom(s, to("1234"), "counted");
        deliver();
        String metrics = http.get("/metrics", null).text();
        assertThat(metrics).contains("msgbubbles_webhook_deliveries_total{outcome=\"succeeded\"}")
                .contains("msgbubbles_webhook_attempt_seconds_count")
                .contains("msgbubbles_webhook_backlog_age_seconds");
    }

    @Test
    void the_backlog_gauge_shows_how_long_the_oldest_due_attempt_has_waited() {
        Sender s = sender("backlog");
        Hook hook = hook(s.testKey(), "[\"message.queued\"]");
        receiver.plan(hook.path(), Receiver.Answer.status(503));
        sendFrom(s, to("1234"), "late");
        deliver(); // fails; the retry is due in 5 s
        clock.advance(Duration.ofSeconds(65)); // and nobody runs it for a minute

        double age = backlogAge();
        deliver();
        assertThat(age).isGreaterThanOrEqualTo(60.0);
        assertThat(deliveries(hook).get(0).path("status").asText()).isEqualTo("succeeded");
    }

    @Test
    void settled_deliveries_leave_the_log_after_the_retention_and_younger_ones_stay() {
        Sender s = sender("retention");
        Hook hook = hook(s.testKey(), "[\"message.queued\"]");
        sendFrom(s, to("1234"), "old news"); // succeeds now
        deliver();
        clock.advance(Duration.ofDays(29));
        deliver(); // the hourly purge runs: nothing is 30 days old yet
        assertThat(deliveries(hook)).hasSize(1);

        Receiver.Answer[] failures = new Receiver.Answer[4];
        Arrays.fill(failures, Receiver.Answer.status(503));
        receiver.plan(hook.path(), failures);
        sendFrom(s, to("1234"), "still trying"); // fails: pending, retried on the schedule
        deliver();
        clock.advance(Duration.ofDays(2));
        deliver(); // the purge runs again: the first delivery is 31 days old

        JsonNode left = deliveries(hook);
        assertThat(left).hasSize(1);
        assertThat(left.get(0).path("attempts").get(0).path("status_code").asInt()).isEqualTo(503);
    }

    @Test
    void a_delivery_whose_event_has_left_the_log_is_dropped_and_not_sent() {
        Sender s = sender("expired");
        Hook hook = hook(s.testKey(), "[\"message.queued\"]");
        receiver.plan(hook.path(), Receiver.Answer.status(503));
        sendFrom(s, to("1234"), "about to expire");
        deliver(); // fails: pending, retried in 5 s
        // the event's retention ends before the retry (a replay of events about to expire can meet this)
        int removed = app.database().write(tx -> dev.msgbubbles.db.Sql.update(tx, "DELETE FROM events WHERE id IN "
                + "(SELECT event_id FROM webhook_deliveries WHERE webhook_id = ?)", UUID.fromString(hook.id())));
        assertThat(removed).isEqualTo(1);

        advance(Duration.ofSeconds(10));

        JsonNode delivery = deliveries(hook).get(0);
        assertThat(delivery.path("status").asText()).isEqualTo("dropped");
        assertThat(delivery.path("attempts")).hasSize(1);
        assertThat(received(hook)).hasSize(1);
    }

    private double backlogAge() {
        for (String line : http.get("/metrics", null).text().split("\n")) {
            if (line.startsWith("msgbubbles_webhook_backlog_age_seconds ")) {
                return Double.parseDouble(line.substring(line.indexOf(' ') + 1).strip());
            }
        }
        throw new AssertionError("no backlog gauge in /metrics");
    }
}

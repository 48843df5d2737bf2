package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.msgbubbles.account.AccountNumber;
import dev.msgbubbles.account.CreatedAccount;
import dev.msgbubbles.account.Provider;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.common.Timestamps;
import dev.msgbubbles.event.Event;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.support.Http;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Availability, cancelling, reactions, edits, unsends, retries and everything contacts do, on both stores. */
abstract class ActionsAndInboundContract extends MessagingFixture {

    private List<Event> events(String containing) {
        var account = app.bootstrapped().orElseThrow().account().id();
        return app.database().read(h -> new EventLog(EventLog.Fanout.NONE).after(h, account, Mode.TEST, 0, 100_000)).stream()
                .filter(e -> e.payload().contains(containing)).toList();
    }

    private Http.Response post(String path, String apiKey, String json) {
        return json == null
                ? http.send("POST", path, apiKey, null, null, Map.of())
                : http.send("POST", path, apiKey, "application/json", json.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    private String delivered(String to, String text) {
        String id = sendText(to, text);
        tick(Duration.ZERO);
        tick(Duration.ofMillis(200));
        assertThat(status(id)).isEqualTo("delivered");
        return id;
    }

    private long pendingJobs(String kind) {
        return app.database().read(h -> h.createQuery("SELECT COUNT(*) FROM jobs WHERE kind = :kind")
                .bind("kind", kind).mapTo(Long.class).one());
    }

    @Test
    void availability_answers_from_the_sandbox_and_accepts_a_raw_plus() {
        JsonNode blue = http.get("/v1/handles/availability?handle=+14155551234", key).json().path("data");
        assertThat(blue.path("handle").asText()).isEqualTo("+14155551234");
        assertThat(blue.path("imessage").asBoolean()).isTrue();
        assertThat(blue.path("channel").asText()).isEqualTo("imessage");
        JsonNode green = http.get("/v1/handles/availability?handle=%2B14155550201", key).json().path("data");
        assertThat(green.path("imessage").asBoolean()).isFalse();
        assertThat(green.path("channel").asText()).isEqualTo("sms");
        assertThat(http.get("/v1/handles/availability?handle=Alice@Example.com", key).json().path("data").path("handle").asText())
                .isEqualTo("alice@example.com");
        assertError(http.get("/v1/handles/availability", key), 400, "invalid_request", "handle");
        assertError(http.get("/v1/handles/availability?handle=12", key), 400, "invalid_handle", "handle");
        assertError(http.get("/v1/handles/availability?handle=+14155551234&handle=+14155551235", key), 400, "invalid_request", "handle");
    }

    @Test
    void a_raw_plus_in_an_email_handle_in_the_query_is_read_as_the_plus_it_was() {
        // the docs' curl puts the handle in the query unencoded, where a '+' decodes to a space: a plus-addressed
        // iMessage email sent that way must still be the address it was, as a phone number's leading '+' is
        JsonNode raw = http.get("/v1/handles/availability?handle=Alice+Shop@example.com", key).json().path("data");
        assertThat(raw.path("handle").asText()).as(raw.toString()).isEqualTo("alice+shop@example.com");
        assertThat(raw.path("channel").asText()).isEqualTo("imessage");
        assertThat(http.get("/v1/handles/availability?handle=alice%2Bshop@example.com", key).json().path("data")
                .path("handle").asText()).isEqualTo("alice+shop@example.com");
        Http.Response filtered = http.get("/v1/messages?to=alice+shop@example.com", key);
        assertThat(filtered.status()).as(filtered.text()).isEqualTo(200);
        // a space the client meant (an encoded one) is not taken for a plus when the handle is valid without it,
        // and a phone number written with spaces stays invalid
        assertThat(http.get("/v1/handles/availability?handle=bob@example.com%20", key).json().path("data")
                .path("handle").asText()).isEqualTo("bob@example.com");
        assertError(http.get("/v1/handles/availability?handle=%2B1%20415%20555%201234", key), 400, "invalid_handle", "handle");
    }

    @Test
    void availability_says_sms_only_when_a_number_of_the_key_s_mode_serves_sms() {
        // an iMessage-only number: a contact not on iMessage cannot be reached (a send fails recipient_unreachable)
        Sender blueOnly = newSender("avail-blue", EnumSet.of(ChannelType.IMESSAGE), Mode.TEST, Provider.SANDBOX);
        JsonNode unreachable = http.get("/v1/handles/availability?handle=%2B14155550201", blueOnly.testKey()).json().path("data");
        assertThat(unreachable.path("imessage").asBoolean()).isFalse();
        assertThat(unreachable.path("channel").isNull()).as(unreachable.toString()).isTrue();
        assertThat(http.get("/v1/handles/availability?handle=%2B14155551234", blueOnly.testKey()).json().path("data")
                .path("channel").asText()).isEqualTo("imessage");
        // no number at all in the key's mode (this account's live key): nothing reaches anyone
        JsonNode none = http.get("/v1/handles/availability?handle=%2B14155551234", blueOnly.liveKey()).json().path("data");
        assertThat(none.path("imessage").asBoolean()).isFalse();
        assertThat(none.path("channel").isNull()).as(none.toString()).isTrue();
        // an SMS-only number reaches every phone number over SMS, and no email
        Sender greenOnly = newSender("avail-green", EnumSet.of(ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
        assertThat(http.get("/v1/handles/availability?handle=%2B14155551234", greenOnly.testKey()).json().path("data")
                .path("channel").asText()).isEqualTo("sms");
        assertThat(http.get("/v1/handles/availability?handle=bob@example.com", greenOnly.testKey()).json().path("data")
                .path("channel").isNull()).isTrue();
        // what it says is what a send does
        String id = send(blueOnly.testKey(), "{\"to\":\"+14155550201\",\"from_handle\":\"" + blueOnly.handle()
                + "\",\"text\":\"hi\"}").json().path("data").path("id").asText();
        tick(Duration.ZERO);
        assertThat(http.get("/v1/messages/" + id, blueOnly.testKey()).json().path("data").path("error").path("code").asText())
                .isEqualTo("recipient_unreachable");
    }

    @Test
    void a_scheduled_message_can_be_cancelled_and_then_never_goes_out() {
        String id = accepted("{\"to\":\"+14155552001\",\"from_handle\":\"" + SANDBOX + "\",\"text\":\"soon\",\"scheduled_at\":\""
                + Timestamps.format(clock.instant().plus(Duration.ofMinutes(5))) + "\"}").path("id").asText();
        Http.Response cancelled = http.send("DELETE", "/v1/messages/" + id, key, null, null, Map.of());
        assertThat(cancelled.status()).isEqualTo(200);
        assertThat(cancelled.json().path("data").path("status").asText()).isEqualTo("canceled");
        tick(Duration.ofMinutes(10));
        assertThat(status(id)).isEqualTo("canceled");
        assertThat(steps(get(id))).containsExactly("scheduled/null/null", "canceled/null/null");
        assertError(http.send("DELETE", "/v1/messages/" + id, key, null, null, Map.of()), 409, "conflict", null);
        String queued = sendText("+14155552002", "now");
        assertError(http.send("DELETE", "/v1/messages/" + queued, key, null, null, Map.of()), 409, "conflict", null);
        assertError(http.send("DELETE", "/v1/messages/" + id, app.bootstrapped().orElseThrow().liveKey().key(), null, null,
                Map.of()), 404, "not_found", null);
    }

    @Test
    void a_scheduled_message_that_joined_its_thread_behind_a_held_message_can_still_be_cancelled() {
        Instant at = clock.instant().plus(Duration.ofMinutes(1));
        String first = sendText(to("0503"), "first"); // …0503: two transient failures hold it in its thread's lane
        String later = accepted("{\"to\":\"" + to("0503") + "\",\"from_handle\":\"" + SANDBOX
                + "\",\"text\":\"at its time\",\"scheduled_at\":\"" + Timestamps.format(at) + "\"}").path("id").asText();
        tick(Duration.ZERO); // first: attempt 1 refused
        tick(Duration.ofMinutes(1)); // its time comes: it joins the lane behind first (attempt 2 refused)
        assertThat(status(first)).isEqualTo("queued");
        assertThat(status(later)).isEqualTo("scheduled");
        int laned = app.database().read(h -> h.createQuery("SELECT COUNT(*) FROM jobs WHERE subject = :s AND lane IS NOT NULL")
                .bind("s", later).mapTo(Integer.class).one());
        assertThat(laned).as("in its thread's lane").isEqualTo(1);
        Http.Response cancelled = http.send("DELETE", "/v1/messages/" + later, key, null, null, Map.of());
        assertThat(cancelled.status()).as(cancelled.text()).isEqualTo(200);
        for (int i = 0; i < 5; i++) {
            tick(Duration.ofSeconds(1));
        }
        assertThat(get(first).path("sent_at").isNull()).isFalse();
        assertThat(status(later)).isEqualTo("canceled");
        assertThat(get(later).path("sent_at").isNull()).isTrue();
    }

    @Test
    void a_scheduled_message_being_sent_right_now_can_no_longer_be_cancelled() {
        String id = accepted("{\"to\":\"+14155552012\",\"from_handle\":\"" + SANDBOX + "\",\"text\":\"due\",\"scheduled_at\":\""
                + Timestamps.format(clock.instant().plus(Duration.ofMinutes(1))) + "\"}").path("id").asText();
        clock.advance(Duration.ofMinutes(1));
        var queue = new dev.msgbubbles.queue.JobQueue(app.database());
        var claimed = app.database().write(tx -> queue.claim(tx, "another-worker", 100, clock.instant(), Duration.ofSeconds(30)));
        assertThat(claimed).extracting(dev.msgbubbles.queue.Job::subject).contains(id);
        assertError(http.send("DELETE", "/v1/messages/" + id, key, null, null, Map.of()), 409, "conflict", null);
        assertThat(status(id)).isEqualTo("scheduled"); // the refusal rolled the cancel back
        // Its lease ran out: that worker may have died, or may still be waiting on a slow backend that is taking the
        // message. Either way the send's outcome is unknown, so the cancel is still refused rather than answered with a
        // "canceled" that the network may contradict; the next worker to claim the job settles it.
        clock.advance(Duration.ofSeconds(31));
        assertError(http.send("DELETE", "/v1/messages/" + id, key, null, null, Map.of()), 409, "conflict", null);
        assertThat(status(id)).isEqualTo("scheduled");
        tick(Duration.ZERO);
        assertThat(get(id).path("sent_at").isNull()).isFalse();
        assertError(http.send("DELETE", "/v1/messages/" + id, key, null, null, Map.of()), 409, "conflict", null);
        tick(Duration.ofMinutes(5)); // release anything else the fake claim held
    }

    @Test
    void reactions_need_a_delivered_imessage_or_whatsapp_message() {
        String early = sendText("+14155552003", "too soon");
        assertError(post("/v1/messages/" + early + "/react", key, "{\"reaction\":\"love\"}"), 409, "conflict", null);
        String id = delivered("+14155552004", "react to me");
        Http.Response loved = post("/v1/messages/" + id + "/react", key, "{\"reaction\":\"love\"}");
        assertThat(loved.status()).as(loved.text()).isEqualTo(200);
        assertThat(loved.json().path("data").path("id").asText()).isEqualTo(id);
        assertThat(post("/v1/messages/" + id + "/react", key, "{\"reaction\":\"\uD83D\uDD25\"}").status()).isEqualTo(200);
        assertThat(post("/v1/messages/" + id + "/react", key, "{\"reaction\":\"love\",\"remove\":true}").status()).isEqualTo(200);
        assertError(post("/v1/messages/" + id + "/react", key, "{\"reaction\":\"hello\"}"), 400, "invalid_request", "reaction");
        assertError(post("/v1/messages/" + id + "/react", key, "{\"reaction\":\"\uD83D\uDD25\uD83D\uDD25\"}"), 400, "invalid_request", "reaction");
        assertError(post("/v1/messages/" + id + "/react", key, "{}"), 400, "invalid_request", "reaction");
        List<JsonNode> reactions = events(id).stream().filter(e -> e.type().wire().equals("message.reaction"))
                .map(e -> Http.parse(e.payload())).toList();
        assertThat(reactions).extracting(r -> r.path("reaction").asText() + "/" + r.path("removed").asBoolean())
                .containsExactly("love/false", "\uD83D\uDD25/false", "love/true");
        assertThat(reactions.getFirst().path("handle").asText()).isEqualTo(SANDBOX);
        assertThat(reactions.getFirst().path("conversation_id").asText()).isEqualTo(get(id).path("conversation_id").asText());
        assertThat(pendingJobs("message_action")).isEqualTo(3);
        tick(Duration.ZERO);
        assertThat(pendingJobs("message_action")).isZero();

        String sms = delivered(to("0205"), "green");
        assertError(post("/v1/messages/" + sms + "/react", key, "{\"reaction\":\"like\"}"), 409, "conflict", null);
        assertError(post("/v1/messages/" + UUID.randomUUID() + "/react", key, "{\"reaction\":\"like\"}"), 404, "not_found", null);
    }

    @Test
    void edit_and_unsend_work_on_sent_imessages_only() {
        String queued = sendText("+14155552005", "not yet");
        assertError(post("/v1/messages/" + queued + "/edit", key, "{\"text\":\"x\"}"), 409, "conflict", null);
        assertError(post("/v1/messages/" + queued + "/unsend", key, null), 409, "conflict", null);

        String id = sendText("+14155552006", "typo");
        tick(Duration.ZERO);
        Http.Response edited = post("/v1/messages/" + id + "/edit", key, "{\"text\":\"fixed\"}");
        assertThat(edited.status()).as(edited.text()).isEqualTo(200);
        assertThat(edited.json().path("data").path("text").asText()).isEqualTo("fixed");
        assertThat(edited.json().path("data").path("edited_at").asText()).isEqualTo(Timestamps.format(clock.instant()));
        assertError(post("/v1/messages/" + id + "/edit", key, "{\"text\":\"\"}"), 400, "invalid_request", "text");
        assertError(post("/v1/messages/" + id + "/edit", key, "{\"body\":\"x\"}"), 400, "invalid_request", "body");

        Http.Response unsent = post("/v1/messages/" + id + "/unsend", key, null);
        assertThat(unsent.status()).as(unsent.text()).isEqualTo(200);
        assertThat(unsent.json().path("data").path("status").asText()).isEqualTo("unsent");
        assertError(post("/v1/messages/" + id + "/unsend", key, "{}"), 409, "conflict", null);
        assertError(post("/v1/messages/" + id + "/edit", key, "{\"text\":\"again\"}"), 409, "conflict", null);
        tick(Duration.ofSeconds(5)); // a late receipt must not resurrect an unsent message
        assertThat(status(id)).isEqualTo("unsent");
        assertThat(steps(get(id))).containsExactly("queued/null/null", "sent/imessage/null", "unsent/imessage/null");
        assertThat(events(id)).extracting(e -> e.type().wire()).contains("message.edited", "message.unsent");

        String sms = delivered(to("0207"), "green");
        assertError(post("/v1/messages/" + sms + "/edit", key, "{\"text\":\"x\"}"), 409, "conflict", null);
        assertError(post("/v1/messages/" + sms + "/unsend", key, null), 409, "conflict", null);
    }

    /** The jobs queued for one message, of one kind. */
    private long jobsFor(String kind, String messageId) {
        return app.database().read(h -> h.createQuery("SELECT COUNT(*) FROM jobs WHERE kind = :kind AND subject = :id")
                .bind("kind", kind).bind("id", messageId).mapTo(Long.class).one());
    }

    /** {@code racers} requests at once; their statuses. */
    private List<Integer> race(int racers, java.util.function.Supplier<Http.Response> request) throws Exception {
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(racers);
        List<java.util.concurrent.Future<Http.Response>> futures = new java.util.ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(racers)) {
            for (int i = 0; i < racers; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return request.get();
                }));
            }
            List<Integer> statuses = new java.util.ArrayList<>();
            for (var future : futures) {
                Http.Response response = future.get();
                statuses.add(response.status());
                if (response.status() == 409) {
                    assertError(response, 409, "conflict", null);
                }
            }
            return statuses;
        }
    }

    @Test
    void concurrent_unsends_edits_and_retries_of_one_message_take_effect_once_and_queue_one_job() throws Exception {
        // on PostgreSQL the racers read the same state; the one whose guarded change finds it gone must refuse (409)
        // rather than queue a second job: a real backend would be asked to unsend (or send) the message again
        String id = delivered("+14155552016", "race me");
        assertThat(race(8, () -> post("/v1/messages/" + id + "/unsend", key, null)))
                .filteredOn(s -> s == 200).hasSize(1);
        assertThat(jobsFor("message_action", id)).isEqualTo(1);
        assertThat(events(id)).extracting(e -> e.type().wire()).containsOnlyOnce("message.unsent");

        String edited = delivered("+14155552017", "edit me");
        List<Integer> edits = race(8, () -> post("/v1/messages/" + edited + "/edit", key, "{\"text\":\"edited\"}"));
        assertThat(edits).containsOnly(200); // edits may follow each other: each is an edit of its own
        assertThat(jobsFor("message_action", edited)).isEqualTo(8);

        Sender accountSender = newSender("retryrace", EnumSet.of(ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
        String handle = accountSender.handle();
        String apiKey = accountSender.account().testKey().key();
        numbers.setStatus(handle, AccountNumber.Status.OFFLINE);
        String failed = send(apiKey, "{\"to\":\"+14155552018\",\"from_handle\":\"" + handle + "\",\"text\":\"hold\"}")
                .json().path("data").path("id").asText();
        for (int i = 0; i < 6; i++) {
            tick(Duration.ofSeconds(30));
        }
        assertThat(http.get("/v1/messages/" + failed, apiKey).json().path("data").path("status").asText()).isEqualTo("failed");
        assertThat(race(8, () -> post("/v1/messages/" + failed + "/retry", apiKey, null)))
                .filteredOn(s -> s == 202).hasSize(1);
        assertThat(jobsFor("send_message", failed)).isEqualTo(1);
        assertThat(http.get("/v1/messages/" + failed, apiKey).json().path("data").path("retry_count").asInt()).isEqualTo(1);
    }

    @Test
    void retry_requeues_failed_messages_only() {
        Sender accountSender = newSender("retry", EnumSet.of(ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
        CreatedAccount account = accountSender.account();
        String handle = accountSender.handle();
        String apiKey = account.testKey().key();
        numbers.setStatus(handle, AccountNumber.Status.OFFLINE);
        String id = send(apiKey, "{\"to\":\"+14155552007\",\"from_handle\":\"" + handle + "\",\"text\":\"hold\"}")
                .json().path("data").path("id").asText();
        assertError(post("/v1/messages/" + id + "/retry", apiKey, null), 409, "conflict", null);
        for (int i = 0; i < 6; i++) {
            tick(Duration.ofSeconds(30));
        }
        assertThat(http.get("/v1/messages/" + id, apiKey).json().path("data").path("status").asText()).isEqualTo("failed");
        numbers.setStatus(handle, AccountNumber.Status.ONLINE);
        Http.Response retried = post("/v1/messages/" + id + "/retry", apiKey, null);
        assertThat(retried.status()).as(retried.text()).isEqualTo(202);
        JsonNode queued = retried.json().path("data");
        assertThat(queued.path("status").asText()).isEqualTo("queued");
        assertThat(queued.path("retry_count").asInt()).isEqualTo(1);
        assertThat(queued.path("error").isNull()).isTrue();
        tick(Duration.ZERO);
        JsonNode sent = http.get("/v1/messages/" + id, apiKey).json().path("data");
        assertThat(sent.path("status").asText()).isEqualTo("sent");
        assertThat(sent.path("channel").asText()).isEqualTo("sms");
        assertThat(steps(sent)).containsExactly("queued/null/null", "failed/null/device_offline", "queued/null/retry",
                "sent/sms/null");
        assertError(post("/v1/messages/" + id + "/retry", apiKey, null), 409, "conflict", null);
        assertError(post("/v1/messages/" + id + "/retry", apiKey, "{\"force\":true}"), 400, "invalid_request", "force");
    }

    @Test
    void a_contact_writing_in_lands_in_the_same_thread_as_our_messages() {
        String ours = sendText("+14155552008", "hello");
        Http.Response inbound = post("/v1/sandbox/inbound", key,
                "{\"from\":\"+14155552008\",\"to_handle\":\"" + SANDBOX + "\",\"text\":\"hi back\"}");
        assertThat(inbound.status()).as(inbound.text()).isEqualTo(202);
        JsonNode message = inbound.json().path("data");
        assertThat(message.path("direction").asText()).isEqualTo("inbound");
        assertThat(message.path("status").asText()).isEqualTo("received");
        assertThat(message.path("channel").asText()).isEqualTo("imessage");
        assertThat(message.path("from_handle").asText()).isEqualTo("+14155552008");
        assertThat(message.path("to").asText()).isEqualTo(SANDBOX);
        assertThat(message.path("conversation_id").asText()).isEqualTo(get(ours).path("conversation_id").asText());
        assertThat(http.get("/v1/messages?direction=inbound&limit=100", key).json().path("data").toString())
                .contains(message.path("id").asText());
        assertThat(events(message.path("id").asText())).extracting(e -> e.type().wire()).containsExactly("message.received");
        // the thread is known now: the next message from the contact is prepared off the writer, with the same result
        JsonNode again = post("/v1/sandbox/inbound", key,
                "{\"from\":\"+14155552008\",\"to_handle\":\"" + SANDBOX + "\",\"text\":\"and again\"}").json().path("data");
        assertThat(again.path("conversation_id").asText()).isEqualTo(message.path("conversation_id").asText());
        JsonNode stored = get(again.path("id").asText());
        assertThat(stored.path("text").asText()).isEqualTo("and again");
        assertThat(stored.path("status").asText()).isEqualTo("received");
        assertThat(stored.path("direction").asText()).isEqualTo("inbound");
        assertThat(steps(stored)).containsExactly("received/imessage/null");
        List<Event> announced = events(again.path("id").asText());
        assertThat(announced).extracting(e -> e.type().wire()).containsExactly("message.received");
        JsonNode payload = Http.parse(announced.get(0).payload());
        assertThat(payload.path("text").asText()).isEqualTo("and again");
        assertThat(payload.path("conversation_id").asText()).isEqualTo(message.path("conversation_id").asText());
        assertThat(announced.get(0).conversationId().toString()).isEqualTo(message.path("conversation_id").asText());
        String android = post("/v1/sandbox/inbound", key, "{\"from\":\"" + to("0209") + "\",\"to_handle\":\"" + SANDBOX
                + "\",\"text\":\"from android\"}").json().path("data").path("channel").asText();
        assertThat(android).isEqualTo("sms");
    }

    @Test
    void one_time_passcodes_are_never_stored_or_announced() {
        Http.Response suppressed = post("/v1/sandbox/inbound", key,
                "{\"from\":\"+14155552009\",\"to_handle\":\"" + SANDBOX + "\",\"text\":\"Your verification code is 482-913\"}");
        assertThat(suppressed.status()).isEqualTo(202);
        assertThat(suppressed.json().path("data").path("suppressed").asBoolean()).isTrue();
        assertThat(http.get("/v1/messages?limit=100", key).text()).doesNotContain("482-913");
        assertThat(events("482-913")).isEmpty();
        Http.Response normal = post("/v1/sandbox/inbound", key,
                "{\"from\":\"+14155552009\",\"to_handle\":\"" + SANDBOX + "\",\"text\":\"see you at 2026 Main St\"}");
        assertThat(normal.json().path("data").path("status").asText()).isEqualTo("received");
        // a phone number or a date beside the word "code" is no passcode: the contact's message arrives
        for (String text : List.of("call me at 415-555-0123 about the door code", "the code freeze starts 2026-12-07",
                "I only went there one time, back in 2019")) {
            Http.Response delivered = post("/v1/sandbox/inbound", key,
                    "{\"from\":\"+14155552009\",\"to_handle\":\"" + SANDBOX + "\",\"text\":\"" + text + "\"}");
            assertThat(delivered.json().path("data").path("status").asText()).as(text).isEqualTo("received");
            assertThat(events(text)).extracting(e -> e.type().wire()).containsExactly("message.received");
        }
    }

    @Test
    void typing_from_a_contact_becomes_a_conversation_typing_event() {
        Http.Response typing = post("/v1/sandbox/typing", key,
                "{\"from\":\"+14155552010\",\"to_handle\":\"" + SANDBOX + "\",\"typing\":true}");
        assertThat(typing.status()).as(typing.text()).isEqualTo(202);
        String conversation = typing.json().path("data").path("conversation_id").asText();
        JsonNode event = Http.parse(events(conversation).stream().filter(e -> e.type().wire().equals("conversation.typing"))
                .findFirst().orElseThrow().payload());
        assertThat(event.path("handle").asText()).isEqualTo("+14155552010");
        assertThat(event.path("typing").asBoolean()).isTrue();
        assertError(post("/v1/sandbox/typing", key, "{\"from\":\"+14155552010\",\"to_handle\":\"" + SANDBOX + "\"}"),
                400, "invalid_request", "typing");
    }

    @Test
    void sandbox_helpers_validate_and_do_not_exist_for_live_keys() {
        String live = app.bootstrapped().orElseThrow().liveKey().key();
        assertError(post("/v1/sandbox/inbound", live, "{\"from\":\"+14155552011\",\"to_handle\":\"" + SANDBOX
                + "\",\"text\":\"x\"}"), 404, "not_found", null);
        assertError(post("/v1/sandbox/typing", live, "{\"from\":\"+14155552011\",\"to_handle\":\"" + SANDBOX
                + "\",\"typing\":true}"), 404, "not_found", null);
        assertError(post("/v1/sandbox/inbound", key, "{\"from\":\"+14155552011\",\"to_handle\":\"+18005559999\",\"text\":\"x\"}"),
                400, "invalid_request", "to_handle");
        assertError(post("/v1/sandbox/inbound", key, "{\"from\":\"nobody\",\"to_handle\":\"" + SANDBOX + "\",\"text\":\"x\"}"),
                400, "invalid_handle", "from");
        assertError(post("/v1/sandbox/inbound", key, "{\"from\":\"+14155552011\",\"to_handle\":\"" + SANDBOX + "\"}"),
                400, "invalid_request", "text");
        assertError(post("/v1/sandbox/inbound", key, "{\"from\":\"+14155552011\",\"to_handle\":\"" + SANDBOX
                + "\",\"attachment_ids\":[\"" + UUID.randomUUID() + "\"]}"), 400, "invalid_attachments", "attachment_ids");
    }

    @Test
    void recipient_0777_types_replies_and_likes_the_message() {
        String id = sendText(to("0777"), "ping");
        String conversation = get(id).path("conversation_id").asText();
        tick(Duration.ZERO);
        tick(Duration.ofMillis(200)); // delivered
        tick(Duration.ofMillis(100)); // typing
        assertThat(events(conversation)).extracting(e -> e.type().wire()).contains("conversation.typing");
        tick(Duration.ofMillis(900)); // read
        assertThat(status(id)).isEqualTo("read");
        tick(Duration.ofSeconds(1)); // reply and like
        JsonNode thread = http.get("/v1/messages?conversation_id=" + conversation, key).json().path("data");
        assertThat(thread.get(0).path("text").asText()).isEqualTo("echo: ping");
        assertThat(thread.get(0).path("direction").asText()).isEqualTo("inbound");
        JsonNode like = Http.parse(events(id).stream().filter(e -> e.type().wire().equals("message.reaction")).findFirst()
                .orElseThrow().payload());
        assertThat(like.path("reaction").asText()).isEqualTo("like");
        assertThat(like.path("handle").asText()).isEqualTo(to("0777"));
        Http.Response back = post("/v1/messages/" + thread.get(0).path("id").asText() + "/react", key, "{\"reaction\":\"laugh\"}");
        assertThat(back.status()).as(back.text()).isEqualTo(200);
    }

    @Test
    void a_0777_contact_echoing_a_passcode_back_is_suppressed_like_any_inbound_passcode() {
        String contact = "+13125550777";
        String id = sendText(contact, "Your verification code is 731-884");
        String conversation = get(id).path("conversation_id").asText();
        tick(Duration.ZERO);
        tick(Duration.ofMillis(200)); // delivered
        tick(Duration.ofMillis(100)); // typing
        tick(Duration.ofMillis(900)); // read
        tick(Duration.ofSeconds(1)); // the reply would be "echo: Your verification code is 731-884": a passcode
        assertThat(status(id)).isEqualTo("read");
        JsonNode thread = http.get("/v1/messages?conversation_id=" + conversation, key).json().path("data");
        assertThat(thread).extracting(m -> m.path("direction").asText()).containsExactly("outbound");
        assertThat(http.get("/v1/messages?direction=inbound&limit=100", key).text()).doesNotContain("echo: Your verification");
        assertThat(events(conversation)).extracting(e -> e.type().wire()).doesNotContain("message.received")
                .contains("message.reaction", "conversation.typing");
        assertThat(events("echo: Your verification")).isEmpty();
    }

    @Test
    void a_0777_contact_reached_over_sms_replies_but_neither_types_nor_reacts() {
        Sender sender = newSender("sms-only", EnumSet.of(ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
        Http.Response response = send(sender.testKey(), "{\"to\":\"" + to("0777") + "\",\"from_handle\":\""
                + sender.handle() + "\",\"text\":\"over sms\"}");
        assertThat(response.status()).as(response.text()).isEqualTo(202);
        String id = response.json().path("data").path("id").asText();
        String conversation = response.json().path("data").path("conversation_id").asText();
        tick(Duration.ZERO);
        tick(Duration.ofMillis(200)); // delivered
        tick(Duration.ofMillis(100));
        tick(Duration.ofMillis(900));
        tick(Duration.ofSeconds(1)); // the reply
        JsonNode thread = http.get("/v1/messages?conversation_id=" + conversation, sender.testKey()).json().path("data");
        assertThat(thread.get(0).path("text").asText()).isEqualTo("echo: over sms");
        assertThat(thread.get(0).path("channel").asText()).isEqualTo("sms");
        assertThat(thread.get(1).path("id").asText()).isEqualTo(id);
        assertThat(thread.get(1).path("channel").asText()).isEqualTo("sms");
        List<String> types = app.database().read(h -> new EventLog(EventLog.Fanout.NONE).after(h,
                        sender.account().account().id(), Mode.TEST, 0, 1000)).stream()
                .filter(e -> e.payload().contains(conversation)).map(e -> e.type().wire()).toList();
        assertThat(types).contains("message.delivered", "message.received")
                .doesNotContain("conversation.typing", "message.reaction");
    }

    @Test
    void a_contact_types_only_where_typing_exists_and_never_into_a_thread_that_cannot_be() {
        Sender sender = newSender("sms-typing", EnumSet.of(ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
        // SMS has no typing indicator
        assertError(post("/v1/sandbox/typing", sender.testKey(), "{\"from\":\"+14155552013\",\"to_handle\":\""
                + sender.handle() + "\",\"typing\":true}"), 409, "conflict", null);
        // an email is not reachable over SMS at all: refused as a message from it is, and no thread appears
        assertError(post("/v1/sandbox/inbound", sender.testKey(), "{\"from\":\"typist@example.com\",\"to_handle\":\""
                + sender.handle() + "\",\"text\":\"hi\"}"), 400, "invalid_handle", "from");
        assertError(post("/v1/sandbox/typing", sender.testKey(), "{\"from\":\"typist@example.com\",\"to_handle\":\""
                + sender.handle() + "\",\"typing\":true}"), 400, "invalid_handle", "from");
        assertThat(http.get("/v1/chats", sender.testKey()).json().path("data").size()).isZero();
        List<Event> announced = app.database().read(h -> new EventLog(EventLog.Fanout.NONE).after(h,
                sender.account().account().id(), Mode.TEST, 0, 1000));
        assertThat(announced).isEmpty();
        // a number with WhatsApp: an Android contact may type there
        Sender both = newSender("sms-whatsapp-typing", EnumSet.of(ChannelType.SMS, ChannelType.WHATSAPP), Mode.TEST,
                Provider.SANDBOX);
        Http.Response typing = post("/v1/sandbox/typing", both.testKey(), "{\"from\":\"" + to("0213")
                + "\",\"to_handle\":\"" + both.handle() + "\",\"typing\":true}");
        assertThat(typing.status()).as(typing.text()).isEqualTo(202);
    }

    @Test
    void a_0777_contact_neither_echoes_nor_likes_a_message_unsent_before_it_answered() {
        String id = sendText("+13125570777", "take this back");
        String conversation = get(id).path("conversation_id").asText();
        tick(Duration.ZERO);
        tick(Duration.ofMillis(200)); // delivered
        Http.Response unsent = post("/v1/messages/" + id + "/unsend", key, null);
        assertThat(unsent.status()).as(unsent.text()).isEqualTo(200);
        tick(Duration.ofMillis(100));
        tick(Duration.ofMillis(900)); // the read receipt changes nothing now
        tick(Duration.ofSeconds(1)); // when the reply and the like were due
        assertThat(status(id)).isEqualTo("unsent");
        JsonNode thread = http.get("/v1/messages?conversation_id=" + conversation, key).json().path("data");
        assertThat(thread).extracting(m -> m.path("id").asText()).containsExactly(id);
        assertThat(events("take this back")).extracting(e -> e.type().wire()).doesNotContain("message.received");
        assertThat(events(conversation)).extracting(e -> e.type().wire()).doesNotContain("message.reaction");
        // as a client would be refused reacting to it
        assertError(post("/v1/messages/" + id + "/react", key, "{\"reaction\":\"like\"}"), 409, "conflict", null);
    }

    @Test
    void a_0777_contact_echoing_a_message_of_the_longest_text_stays_within_the_text_limit() {
        String longest = "\uD83D\uDD25".repeat(9_998) + "ab"; // 10,000 characters, most of them outside the BMP
        String id = accepted("{\"to\":\"+13125590777\",\"from_handle\":\"" + SANDBOX + "\",\"text\":\"" + longest
                + "\"}").path("id").asText();
        String conversation = get(id).path("conversation_id").asText();
        tick(Duration.ZERO);
        tick(Duration.ofMillis(200));
        tick(Duration.ofMillis(100));
        tick(Duration.ofMillis(900));
        tick(Duration.ofSeconds(1)); // the reply
        String echo = http.get("/v1/messages?conversation_id=" + conversation, key).json().path("data").get(0)
                .path("text").asText();
        assertThat(echo).startsWith("echo: \uD83D\uDD25");
        assertThat(echo.codePointCount(0, echo.length())).isEqualTo(10_000);
        assertThat(Character.isHighSurrogate(echo.charAt(echo.length() - 1))).isFalse();
    }
}

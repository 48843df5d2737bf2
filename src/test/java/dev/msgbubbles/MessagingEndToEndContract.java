package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.msgbubbles.account.AccountNumber;
import dev.msgbubbles.account.CreatedAccount;
import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.account.Provider;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.common.Timestamps;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.SseReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Sending and tracking messages over HTTP, on both stores. */
abstract class MessagingEndToEndContract extends MessagingFixture {

    /**
     * An account suspended while its sends wait (queued, or scheduled and due) does not go on sending: each fails with
     * {@code account_suspended} when a worker takes it, with its {@code message.failed} event; active again, the
     * account can retry it. Before, suspension only refused the keys and the queue went out regardless.
     */
    @Test
    void a_suspended_accounts_waiting_sends_fail_with_account_suspended_and_can_be_retried_once_it_is_active() {
        Sender sender = newSender("suspended", EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), Mode.TEST,
                Provider.SANDBOX);
        String scheduledAt = Timestamps.format(clock.instant().plusSeconds(60));
        List<String> ids = new ArrayList<>();
        for (String extra : List.of("", ",\"scheduled_at\":\"" + scheduledAt + "\"")) {
            Http.Response accepted = send(sender.testKey(), "{\"to\":\"+14155551234\",\"from_handle\":\""
                    + sender.handle() + "\",\"text\":\"waiting\"" + extra + "}");
            assertThat(accepted.status()).as(accepted.text()).isEqualTo(202);
            ids.add(accepted.json().path("data").path("id").asText());
        }
        UUID account = sender.account().account().id();
        admin.setStatus(account, dev.msgbubbles.account.Account.Status.SUSPENDED);
        clock.advance(NumberDirectory.CACHE_TTL); // what the server has cached of the account expires
        app.worker().drain();
        tick(Duration.ofSeconds(60)); // the scheduled one's time
        admin.setStatus(account, dev.msgbubbles.account.Account.Status.ACTIVE);
        clock.advance(NumberDirectory.CACHE_TTL);

        for (String id : ids) {
            JsonNode message = http.get("/v1/messages/" + id, sender.testKey()).json().path("data");
            assertThat(message.path("status").asText()).as(message.toString()).isEqualTo("failed");
            assertThat(message.path("error").path("code").asText()).isEqualTo("account_suspended");
            assertThat(message.path("sent_at").isNull()).as("never sent").isTrue();
        }
        List<String> failedEvents = app.database().read(h -> new EventLog(EventLog.Fanout.NONE).after(h, account,
                        Mode.TEST, 0, 1000)).stream().filter(e -> e.type().wire().equals("message.failed"))
                .map(e -> e.payload()).toList();
        assertThat(failedEvents).hasSize(2).allMatch(payload -> payload.contains("account_suspended"));

        Http.Response retried = http.postJson("/v1/messages/" + ids.getFirst() + "/retry", sender.testKey(), "{}");
        assertThat(retried.status()).as(retried.text()).isEqualTo(202);
        app.worker().drain();
        assertThat(http.get("/v1/messages/" + ids.getFirst(), sender.testKey()).json().path("data").path("status")
                .asText()).isEqualTo("sent");
    }

    @Test
    void a_message_to_the_default_recipient_walks_queued_sent_delivered_read() {
        String acceptedAt = Timestamps.format(clock.instant());
        JsonNode created = accepted("""
                {"to":"+14155551234","from_handle":"+18005550100","text":"your order shipped!","effect":"confetti",
                 "metadata":{"order":"1042"}}""");
        assertThat(created.path("status").asText()).isEqualTo("queued");
        assertThat(created.path("direction").asText()).isEqualTo("outbound");
        assertThat(created.path("channel").isNull()).isTrue();
        assertThat(created.path("to").asText()).isEqualTo("+14155551234");
        assertThat(created.path("from_handle").asText()).isEqualTo(SANDBOX);
        assertThat(created.path("effect").asText()).isEqualTo("confetti");
        assertThat(created.path("metadata").path("order").asText()).isEqualTo("1042");
        assertThat(created.path("attachments").isArray()).isTrue();
        assertThat(created.path("error").isNull()).isTrue();
        assertThat(created.path("created_at").asText()).isEqualTo(acceptedAt);
        String id = created.path("id").asText();
        assertThat(UUID.fromString(id).version()).isEqualTo(7);

        app.worker().drain();
        JsonNode sent = get(id);
        assertThat(sent.path("status").asText()).isEqualTo("sent");
        assertThat(sent.path("channel").asText()).isEqualTo("imessage");
        assertThat(sent.path("sent_at").asText()).isEqualTo(Timestamps.format(clock.instant()));

        tick(Duration.ofMillis(199));
        assertThat(status(id)).isEqualTo("sent");
        tick(Duration.ofMillis(1));
        assertThat(status(id)).isEqualTo("delivered");
        tick(Duration.ofSeconds(1));
        JsonNode read = get(id);
        assertThat(read.path("status").asText()).isEqualTo("read");
        assertThat(read.path("delivered_at").isNull()).isFalse();
        assertThat(read.path("read_at").asText()).isEqualTo(Timestamps.format(clock.instant()));
        List<String> timeline = new ArrayList<>();
        read.path("timeline").forEach(t -> timeline.add(t.path("status").asText() + "/" + t.path("channel").asText()));
        assertThat(timeline).containsExactly("queued/null", "sent/imessage", "delivered/imessage", "read/imessage");

        var principal = app.bootstrapped().orElseThrow();
        List<String> events = app.database().read(h -> new EventLog(EventLog.Fanout.NONE).after(h, principal.account().id(), Mode.TEST, 0, 1000))
                .stream().filter(e -> e.payload().contains(id)).map(e -> e.type().wire()).toList();
        assertThat(events).containsExactly("message.queued", "message.sent", "message.delivered", "message.read");
    }

    @Test
    void the_event_api_pages_after_a_cursor_filters_by_type_and_shows_only_the_callers_account_and_mode() {
        Sender sender = newSender("events", EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
        String id = send(sender.testKey(), "{\"to\":\"" + to("5001") + "\",\"from_handle\":\"" + sender.handle()
                + "\",\"text\":\"tracked\"}").json().path("data").path("id").asText();
        tick(Duration.ZERO);
        tick(Duration.ofSeconds(5));

        JsonNode all = http.get("/v1/events", sender.testKey()).json();
        List<String> types = new ArrayList<>();
        all.path("data").forEach(e -> types.add(e.path("type").asText()));
        assertThat(types).containsExactly("message.queued", "message.sent", "message.delivered", "message.read");
        JsonNode first = all.path("data").get(0);
        assertThat(first.path("id").asText()).startsWith("evt_");
        assertThat(first.path("data").path("id").asText()).isEqualTo(id);
        assertThat(first.path("data").path("status").asText()).as("a snapshot, not the message now").isEqualTo("queued");
        assertThat(all.path("has_more").asBoolean()).isFalse();
        assertThat(all.path("next_after").asLong()).isEqualTo(all.path("data").get(3).path("cursor").asLong());

        JsonNode page = http.get("/v1/events?limit=2", sender.testKey()).json();
        assertThat(page.path("data")).hasSize(2);
        assertThat(page.path("has_more").asBoolean()).isTrue();
        JsonNode rest = http.get("/v1/events?after=" + page.path("next_after").asLong(), sender.testKey()).json();
        assertThat(rest.path("data")).hasSize(2);
        assertThat(rest.path("data").get(0).path("type").asText()).isEqualTo("message.delivered");
        JsonNode reads = http.get("/v1/events?types=message.read,message.sent", sender.testKey()).json();
        assertThat(reads.path("data")).hasSize(2);
        JsonNode none = http.get("/v1/events?after=" + all.path("next_after").asLong(), sender.testKey()).json();
        assertThat(none.path("data")).isEmpty();
        assertThat(none.path("next_after").asLong()).isEqualTo(all.path("next_after").asLong());

        assertThat(http.get("/v1/events", sender.account().liveKey().key()).json().path("data")).isEmpty();
        assertThat(http.get("/v1/events?limit=100", key).json().path("data").toString()).doesNotContain(id);
        for (String bad : List.of("after=-1", "after=x", "after=99999999999999999999", "after=%D9%A3", "after=%2B3",
                "types=message.nope", "types=", "limit=0", "limit=101", "cursor=1")) {
            Http.Response refused = http.get("/v1/events?" + bad, sender.testKey());
            assertThat(refused.status()).as(bad).isEqualTo(400);
            assertThat(refused.json().path("error").asText()).isEqualTo("invalid_request");
        }
    }

    @Test
    void the_event_stream_delivers_events_as_they_commit_resumes_after_last_event_id_and_beats_when_idle()
            throws Exception {
        Sender sender = newSender("stream", EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
        List<String> cursors = new ArrayList<>();
        try (SseReader stream = new SseReader(app.port(), sender.testKey(), "", null)) {
            assertThat(stream.response.statusCode()).isEqualTo(200);
            assertThat(stream.response.headers().firstValue("Content-Type")).hasValueSatisfying(
                    v -> assertThat(v).startsWith("text/event-stream"));
            String id = send(sender.testKey(), "{\"to\":\"" + to("5002") + "\",\"from_handle\":\"" + sender.handle()
                    + "\",\"text\":\"live\"}").json().path("data").path("id").asText();
            tick(Duration.ZERO);
            tick(Duration.ofSeconds(5));
            for (String type : List.of("message.queued", "message.sent", "message.delivered", "message.read")) {
                cursors.add(stream.next("id: ").substring(4));
                assertThat(stream.next("event: ")).isEqualTo("event: " + type);
                JsonNode data = Http.parse(stream.next("data: ").substring(6));
                assertThat(data.path("type").asText()).isEqualTo(type);
                assertThat(data.path("cursor").asText()).isEqualTo(cursors.getLast());
                assertThat(data.path("data").path("id").asText()).isEqualTo(id);
            }
            assertThat(stream.next(": heartbeat")).isEqualTo(": heartbeat"); // idle for the (test) 1 s interval
        }
        try (SseReader resumed = new SseReader(app.port(), sender.testKey(), "", cursors.get(1))) {
            assertThat(resumed.next("id: ")).isEqualTo("id: " + cursors.get(2));
            assertThat(resumed.next("event: ")).isEqualTo("event: message.delivered");
        }
        // an empty Last-Event-ID is no last event id: the stream resumes after the query's cursor
        try (SseReader blank = new SseReader(app.port(), sender.testKey(), "?after=" + cursors.get(2), "")) {
            assertThat(blank.response.statusCode()).isEqualTo(200);
            assertThat(blank.next("id: ")).isEqualTo("id: " + cursors.get(3));
        }
        try (SseReader reads = new SseReader(app.port(), sender.testKey(), "?types=message.read", null)) {
            assertThat(reads.next("event: ")).isEqualTo("event: message.read");
        }
        for (String bad : List.of("?after=-1", "?types=nope", "?limit=5")) {
            Http.Response refused = http.get("/v1/events/stream" + bad, sender.testKey());
            assertThat(refused.status()).as(bad).isEqualTo(400);
        }
        Http.Response badHeader = http.send("GET", "/v1/events/stream", sender.testKey(), null, null,
                Map.of("Last-Event-ID", "abc"));
        assertThat(badHeader.status()).isEqualTo(400);
        assertThat(badHeader.json().path("param").asText()).isEqualTo("Last-Event-ID");
    }

    @Test
    void an_android_recipient_gets_sms_delivered_and_never_read() {
        String id = sendText(to("0201"), "green bubble");
        tick(Duration.ZERO);
        assertThat(get(id).path("channel").asText()).isEqualTo("sms");
        tick(Duration.ofSeconds(30));
        assertThat(status(id)).isEqualTo("delivered");
    }

    @Test
    void recipient_0404_is_delivered_and_never_read() {
        String id = sendText(to("0404"), "seen?");
        tick(Duration.ZERO);
        tick(Duration.ofSeconds(30));
        JsonNode message = get(id);
        assertThat(message.path("status").asText()).isEqualTo("delivered");
        assertThat(message.path("channel").asText()).isEqualTo("imessage");
        assertThat(message.path("read_at").isNull()).isTrue();
    }

    @Test
    void recipient_0503_is_retried_until_the_backend_answers() {
        String id = sendText(to("0503"), "try again");
        tick(Duration.ZERO);
        assertThat(status(id)).isEqualTo("queued");
        tick(Duration.ofSeconds(1));
        assertThat(status(id)).isEqualTo("queued");
        tick(Duration.ofSeconds(1));
        assertThat(status(id)).isEqualTo("sent");
    }

    /**
     * The backend's attempt number counts the times it was handed the message, not the rechecks of a send held for its
     * offline number: a {@code …0503} held through two rechecks is still unavailable for its first two attempts once the
     * number is back, then sent. (Claims used to count: it went out at once, unavailable never.)
     */
    @Test
    void recipient_0503_held_by_its_offline_number_is_still_unavailable_twice_then_sent() {
        Sender sender = newSender("held-flaky", EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), Mode.TEST,
                Provider.SANDBOX);
        numbers.setStatus(sender.handle(), AccountNumber.Status.OFFLINE);
        String id = send(sender.testKey(), "{\"to\":\"" + to("0503") + "\",\"from_handle\":\"" + sender.handle()
                + "\",\"text\":\"held, then flaky\"}").json().path("data").path("id").asText();
        tick(Duration.ZERO);
        tick(Duration.ofSeconds(30));
        tick(Duration.ofSeconds(30));
        numbers.setStatus(sender.handle(), AccountNumber.Status.ONLINE);
        tick(Duration.ofSeconds(30)); // its first attempt: unavailable
        assertThat(status(sender.testKey(), id)).isEqualTo("queued");
        tick(Duration.ofSeconds(1)); // its second: unavailable
        assertThat(status(sender.testKey(), id)).isEqualTo("queued");
        tick(Duration.ofSeconds(1));
        assertThat(status(sender.testKey(), id)).isEqualTo("sent");
    }

    @Test
    void recipient_0666_fails_permanently_with_an_error_code() {
        String id = sendText(to("0666"), "hello?");
        tick(Duration.ZERO);
        JsonNode failed = get(id);
        assertThat(failed.path("status").asText()).isEqualTo("failed");
        assertThat(failed.path("error").path("code").asText()).isEqualTo("recipient_unreachable");
        assertThat(steps(failed)).containsExactly("queued/null/null", "failed/null/recipient_unreachable");
        assertThat(failed.path("error").path("message").asText()).isNotBlank();
    }

    @Test
    void an_offline_number_holds_its_sends_and_fails_them_after_the_retry_window() {
        Sender accountSender = newSender("offline", EnumSet.of(ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
        CreatedAccount account = accountSender.account();
        String handle = accountSender.handle();
        numbers.setStatus(handle, AccountNumber.Status.OFFLINE);
        Http.Response held = send(account.testKey().key(), "{\"to\":\"+14155550111\",\"from_handle\":\"" + handle
                + "\",\"text\":\"later\"}");
        assertThat(held.status()).isEqualTo(202);
        String heldId = held.json().path("data").path("id").asText();
        tick(Duration.ZERO);
        tick(Duration.ofSeconds(30));
        assertThat(http.get("/v1/messages/" + heldId, account.testKey().key()).json().path("data").path("status").asText())
                .isEqualTo("queued");
        numbers.setStatus(handle, AccountNumber.Status.ONLINE);
        tick(Duration.ofSeconds(30));
        assertThat(http.get("/v1/messages/" + heldId, account.testKey().key()).json().path("data").path("status").asText())
                .isEqualTo("sent");

        numbers.setStatus(handle, AccountNumber.Status.OFFLINE);
        String lostId = send(account.testKey().key(), "{\"to\":\"+14155550112\",\"from_handle\":\"" + handle
                + "\",\"text\":\"never\"}").json().path("data").path("id").asText();
        for (int i = 0; i < 6; i++) {
            tick(Duration.ofSeconds(30));
        }
        JsonNode lost = http.get("/v1/messages/" + lostId, account.testKey().key()).json().path("data");
        assertThat(lost.path("status").asText()).isEqualTo("failed");
        assertThat(lost.path("error").path("code").asText()).isEqualTo("device_offline");
    }

    /**
     * The admin CLI sets a number back online from a process of its own ({@link App#adminNumbers}, as here): the
     * server's held sends go out once its cached copy of the number has expired, not at their next 30-s recheck.
     */
    @Test
    void a_number_set_back_online_sends_what_it_held_within_seconds_not_at_the_next_recheck() {
        Sender sender = newSender("back-online", EnumSet.of(ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
        Sender other = newSender("still-offline", EnumSet.of(ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
        NumberDirectory cli = App.adminNumbers(app.database(), clock);
        cli.setStatus(sender.handle(), AccountNumber.Status.OFFLINE);
        cli.setStatus(other.handle(), AccountNumber.Status.OFFLINE);
        String id = send(sender.testKey(), "{\"to\":\"+14155550114\",\"from_handle\":\"" + sender.handle()
                + "\",\"text\":\"back soon\"}").json().path("data").path("id").asText();
        String otherId = send(other.testKey(), "{\"to\":\"+14155550115\",\"from_handle\":\"" + other.handle()
                + "\",\"text\":\"not yet\"}").json().path("data").path("id").asText();
        tick(Duration.ofSeconds(3)); // both held: the server has seen the numbers offline and waits its 30 s
        assertThat(status(sender.testKey(), id)).isEqualTo("queued");

        cli.setStatus(sender.handle(), AccountNumber.Status.ONLINE);
        tick(Duration.ofSeconds(1));
        assertThat(status(sender.testKey(), id)).as("the server's copy of the number may still say offline").isEqualTo("queued");
        tick(Duration.ofMillis(1_500));
        assertThat(status(sender.testKey(), id)).isEqualTo("sent");
        assertThat(status(other.testKey(), otherId)).as("another number's sends still wait").isEqualTo("queued");
    }

    private String status(String key, String id) {
        return http.get("/v1/messages/" + id, key).json().path("data").path("status").asText();
    }

    @Test
    void an_offline_number_gets_the_whole_retry_window_whenever_its_checks_fall() {
        Sender sender = newSender("late-check", EnumSet.of(ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
        numbers.setStatus(sender.handle(), AccountNumber.Status.OFFLINE);
        String id = send(sender.testKey(), "{\"to\":\"+14155550113\",\"from_handle\":\"" + sender.handle()
                + "\",\"text\":\"hold on\"}").json().path("data").path("id").asText();
        tick(Duration.ofSeconds(10)); // the first check comes 10 s after acceptance, the next ones every 30 s from there
        for (int i = 0; i < 3; i++) {
            tick(Duration.ofSeconds(30));
        }
        // 100 s of the 120 s window have passed: the message still waits, and goes once the number is back in time
        assertThat(http.get("/v1/messages/" + id, sender.testKey()).json().path("data").path("status").asText())
                .isEqualTo("queued");
        tick(Duration.ofSeconds(10));
        numbers.setStatus(sender.handle(), AccountNumber.Status.ONLINE);
        tick(Duration.ofSeconds(10));
        assertThat(http.get("/v1/messages/" + id, sender.testKey()).json().path("data").path("status").asText())
                .isEqualTo("sent");
    }

    @Test
    void a_thread_sends_its_messages_in_the_order_they_were_accepted() {
        String first = sendText(to("0503"), "first"); // held back by two transient failures
        String second = sendText(to("0503"), "second");
        assertThat(get(first).path("conversation_id").asText()).isEqualTo(get(second).path("conversation_id").asText());
        tick(Duration.ZERO);
        tick(Duration.ofSeconds(1));
        assertThat(status(first)).isEqualTo("queued");
        assertThat(status(second)).isEqualTo("queued");
        tick(Duration.ofSeconds(1));
        assertThat(status(first)).isEqualTo("sent");
        tick(Duration.ZERO);
        tick(Duration.ofSeconds(1));
        tick(Duration.ofSeconds(1));
        assertThat(status(second)).isEqualTo("sent");
        assertThat(Instant.parse(get(second).path("sent_at").asText()))
                .isAfter(Instant.parse(get(first).path("sent_at").asText()));
    }

    @Test
    void a_scheduled_message_waits_for_its_time() {
        Instant at = clock.instant().plus(Duration.ofHours(1));
        JsonNode created = accepted("{\"to\":\"+14155550999\",\"from_handle\":\"" + SANDBOX
                + "\",\"text\":\"later\",\"scheduled_at\":\"" + Timestamps.format(at) + "\"}");
        assertThat(created.path("status").asText()).isEqualTo("scheduled");
        assertThat(created.path("scheduled_at").asText()).isEqualTo(Timestamps.format(at));
        String id = created.path("id").asText();
        tick(Duration.ofMinutes(59));
        assertThat(status(id)).isEqualTo("scheduled");
        tick(Duration.ofMinutes(1));
        assertThat(status(id)).isEqualTo("sent");
    }

    @Test
    void a_scheduled_message_holds_up_no_message_of_its_thread_before_its_time() {
        Instant at = clock.instant().plus(Duration.ofHours(1));
        String later = accepted("{\"to\":\"" + to("1002") + "\",\"from_handle\":\"" + SANDBOX
                + "\",\"text\":\"in an hour\",\"scheduled_at\":\"" + Timestamps.format(at) + "\"}").path("id").asText();
        String meanwhile = sendText(to("1002"), "now");
        assertThat(get(meanwhile).path("conversation_id").asText()).isEqualTo(get(later).path("conversation_id").asText());
        tick(Duration.ZERO);
        assertThat(status(meanwhile)).isEqualTo("sent");
        assertThat(status(later)).isEqualTo("scheduled");

        // at its time it joins the thread behind a message still held there (…0503: two transient failures)
        String held = accepted("{\"to\":\"" + to("0503") + "\",\"from_handle\":\"" + SANDBOX
                + "\",\"text\":\"at its time\",\"scheduled_at\":\"" + Timestamps.format(at) + "\"}").path("id").asText();
        tick(Duration.ofMinutes(59));
        String first = sendText(to("0503"), "first");
        tick(Duration.ofSeconds(1)); // first: attempt 1 refused
        tick(Duration.ofSeconds(59)); // the scheduled times come: attempt 2 of the first refused; the others join
        assertThat(get(later).path("sent_at").isNull()).isFalse();
        assertThat(status(first)).isEqualTo("queued");
        assertThat(status(held)).isEqualTo("scheduled");
        for (int i = 0; i < 4; i++) {
            tick(Duration.ofSeconds(1));
        }
        assertThat(get(first).path("sent_at").isNull()).isFalse();
        assertThat(get(held).path("sent_at").isNull()).isFalse();
        assertThat(Instant.parse(get(held).path("sent_at").asText()))
                .isAfter(Instant.parse(get(first).path("sent_at").asText()));
    }

    @Test
    void scheduled_messages_of_a_thread_go_out_in_the_order_of_their_times_then_of_their_acceptance() {
        Instant at = clock.instant().plus(Duration.ofMinutes(5));
        List<String> expected = new ArrayList<>();
        String overdueLater = scheduled(to("1003"), "last", at.plus(Duration.ofMinutes(1)));
        for (int i = 0; i < 12; i++) {
            expected.add(scheduled(to("1003"), "part " + i, at));
        }
        expected.add(overdueLater);
        tick(Duration.ofMinutes(10)); // all overdue at once, as after a restart
        var principal = app.bootstrapped().orElseThrow();
        List<String> sent = app.database().read(h -> new EventLog(EventLog.Fanout.NONE).after(h, principal.account().id(),
                        Mode.TEST, 0, 100_000)).stream()
                .filter(e -> e.type().wire().equals("message.sent")).map(e -> e.payload())
                .flatMap(payload -> expected.stream().filter(payload::contains)).toList();
        assertThat(sent).containsExactlyElementsOf(expected);
    }

    private String scheduled(String to, String text, Instant at) {
        return accepted("{\"to\":\"" + to + "\",\"from_handle\":\"" + SANDBOX + "\",\"text\":\"" + text
                + "\",\"scheduled_at\":\"" + Timestamps.format(at) + "\"}").path("id").asText();
    }

    @Test
    void a_retried_message_gets_a_whole_retry_window_of_its_own() {
        Sender sender = newSender("retried", EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
        numbers.setStatus(sender.handle(), AccountNumber.Status.OFFLINE);
        String id = send(sender.testKey(), "{\"to\":\"" + to("0503") + "\",\"from_handle\":\"" + sender.handle()
                + "\",\"text\":\"again\"}").json().path("data").path("id").asText();
        tick(Duration.ZERO);
        for (int i = 0; i < 5; i++) {
            tick(Duration.ofSeconds(30));
        }
        JsonNode failed = http.get("/v1/messages/" + id, sender.testKey()).json().path("data");
        assertThat(failed.path("error").path("code").asText()).isEqualTo("device_offline");

        // long after the first window: the retry still waits out the backend's two transient refusals
        tick(Duration.ofHours(1));
        numbers.setStatus(sender.handle(), AccountNumber.Status.ONLINE);
        assertThat(http.postJson("/v1/messages/" + id + "/retry", sender.testKey(), "{}").status()).isEqualTo(202);
        tick(Duration.ZERO);
        tick(Duration.ofSeconds(1));
        tick(Duration.ofSeconds(1));
        JsonNode retried = http.get("/v1/messages/" + id, sender.testKey()).json().path("data");
        assertThat(retried.path("status").asText()).as(retried.toString()).isEqualTo("sent");
        assertThat(retried.path("retry_count").asInt()).isEqualTo(1);
    }

    @Test
    void whatsapp_is_used_only_when_asked_and_only_from_numbers_that_serve_it() {
        String id = accepted("{\"to\":\"+14155550998\",\"from_handle\":\"" + SANDBOX + "\",\"text\":\"hola\",\"channel\":\"whatsapp\"}")
                .path("id").asText();
        tick(Duration.ZERO);
        assertThat(get(id).path("channel").asText()).isEqualTo("whatsapp");

        Sender accountSender = newSender("nowa", EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
        CreatedAccount account = accountSender.account();
        String handle = accountSender.handle();
        assertError(send(account.testKey().key(), "{\"to\":\"+14155550998\",\"from_handle\":\"" + handle
                + "\",\"text\":\"hola\",\"channel\":\"whatsapp\"}"), 400, "invalid_from_handle", "from_handle");
        assertError(send(key, "{\"to\":\"bob@example.com\",\"from_handle\":\"" + SANDBOX
                + "\",\"text\":\"hola\",\"channel\":\"whatsapp\"}"), 400, "invalid_handle", "to");
    }

    @Test
    void a_live_number_without_a_connector_fails_its_sends_honestly() {
        Sender accountSender = newSender("live", EnumSet.of(ChannelType.SMS), Mode.LIVE, Provider.TWILIO);
        CreatedAccount account = accountSender.account();
        String handle = accountSender.handle();
        String id = send(account.liveKey().key(), "{\"to\":\"+14155550997\",\"from_handle\":\"" + handle
                + "\",\"text\":\"real\"}").json().path("data").path("id").asText();
        tick(Duration.ZERO);
        JsonNode message = http.get("/v1/messages/" + id, account.liveKey().key()).json().path("data");
        assertThat(message.path("status").asText()).isEqualTo("failed");
        assertThat(message.path("error").path("code").asText()).isEqualTo("provider_unavailable");
    }

    @Test
    void an_idempotency_key_replays_the_original_and_refuses_a_different_body() {
        String body = "{\"to\":\"+14155550996\",\"from_handle\":\"" + SANDBOX + "\",\"text\":\"once\"}";
        Http.Response first = send(key, body, "order-1042");
        assertThat(first.status()).isEqualTo(202);
        Http.Response again = send(key, body.replace(",", " , "), "order-1042");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.header("Idempotent-Replayed")).contains("true");
        assertThat(again.json().path("data").path("id").asText()).isEqualTo(first.json().path("data").path("id").asText());
        assertError(send(key, body.replace("once", "twice"), "order-1042"), 409, "idempotency_key_reused", "Idempotency-Key");
        // the live key is another scope: the same key is free there
        assertThat(send(app.bootstrapped().orElseThrow().liveKey().key(), body, "order-1042").status()).isEqualTo(400);
        // a refused request does not use up its key
        assertError(send(key, "{\"to\":\"nope\",\"from_handle\":\"" + SANDBOX + "\",\"text\":\"x\"}", "fresh-key"),
                400, "invalid_handle", "to");
        assertThat(send(key, body.replace("once", "fresh"), "fresh-key").status()).isEqualTo(202);
    }

    @Test
    void concurrent_requests_with_one_idempotency_key_create_one_message() throws Exception {
        String body = "{\"to\":\"+14155550995\",\"from_handle\":\"" + SANDBOX + "\",\"text\":\"race\"}";
        int racers = 8;
        CyclicBarrier start = new CyclicBarrier(racers);
        List<Future<Http.Response>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(racers)) {
            for (int i = 0; i < racers; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return send(key, body, "race-key");
                }));
            }
            List<Integer> statuses = new ArrayList<>();
            Set<String> ids = new HashSet<>();
            for (var future : futures) {
                Http.Response response = future.get();
                statuses.add(response.status());
                ids.add(response.json().path("data").path("id").asText());
            }
            assertThat(statuses).filteredOn(s -> s == 202).hasSize(1);
            assertThat(statuses).filteredOn(s -> s == 200).hasSize(racers - 1);
            assertThat(ids).hasSize(1);
        }
        String conversation = accepted(body.replace("race", "after")).path("conversation_id").asText();
        long sameText = 0;
        for (JsonNode m : http.get("/v1/messages?conversation_id=" + conversation + "&limit=100", key).json().path("data")) {
            if (m.path("text").asText().equals("race")) {
                sameText++;
            }
        }
        assertThat(sameText).isEqualTo(1);
    }

    @Test
    void every_invalid_send_is_a_400_or_404_with_the_offending_field() {
        String from = "\"from_handle\":\"" + SANDBOX + "\"";
        Object[][] cases = {
                {"{" + from + ",\"text\":\"no recipient\"}", 400, "invalid_request", "to"},
                {"{\"to\":\"+14155550100\",\"text\":\"no sender\"}", 400, "invalid_request", "from_handle"},
                {"{\"to\":\"+14155550100\"," + from + "}", 400, "invalid_request", "text"},
                {"{\"to\":\"+14155550100\"," + from + ",\"text\":\"\"}", 400, "invalid_request", "text"},
                {"{\"to\":\"+14155550100\"," + from + ",\"text\":\"" + "x".repeat(10_001) + "\"}", 400, "invalid_request", "text"},
                {"{\"to\":\"555-0100\"," + from + ",\"text\":\"hi\"}", 400, "invalid_handle", "to"},
                {"{\"to\":\"+14155550100\",\"from_handle\":\"800-555\",\"text\":\"hi\"}", 400, "invalid_handle", "from_handle"},
                {"{\"to\":\"+14155550100\",\"from_handle\":\"+18005559999\",\"text\":\"hi\"}", 400, "invalid_from_handle", "from_handle"},
                {"{\"to\":\"+14155550100\"," + from + ",\"text\":\"hi\",\"channel\":\"sms\"}", 400, "invalid_request", "channel"},
                {"{\"to\":\"+14155550100\"," + from + ",\"text\":\"hi\",\"effect\":\"sparkles\"}", 400, "invalid_request", "effect"},
                {"{\"to\":\"+14155550100\"," + from + ",\"text\":\"hi\",\"bogus\":1}", 400, "invalid_request", "bogus"},
                {"{\"to\":\"+14155550100\"," + from + ",\"text\":5}", 400, "invalid_request", "text"},
                {"{\"to\":\"+14155550100\"," + from + ",\"attachment_ids\":[\"" + UUID.randomUUID() + "\"]}", 400, "invalid_attachments", "attachment_ids"},
                {"{\"to\":\"+14155550100\"," + from + ",\"attachment_ids\":[\"nope\"]}", 400, "invalid_request", "attachment_ids[0]"},
                {"{\"to\":\"+14155550100\"," + from + ",\"text\":\"hi\",\"voice_memo\":true}", 400, "invalid_request", "voice_memo"},
                {"{\"to\":\"+14155550100\"," + from + ",\"text\":\"hi\",\"scheduled_at\":\"tomorrow\"}", 400, "invalid_request", "scheduled_at"},
                {"{\"to\":\"+14155550100\"," + from + ",\"text\":\"hi\",\"scheduled_at\":\"2026-11-23T09:00:00Z\"}", 400, "invalid_request", "scheduled_at"},
                {"{\"to\":\"+14155550100\"," + from + ",\"text\":\"hi\",\"scheduled_at\":\"2027-01-23T09:00:00Z\"}", 400, "invalid_request", "scheduled_at"},
                {"{\"to\":\"+14155550100\"," + from + ",\"text\":\"hi\",\"metadata\":{\"k\":1}}", 400, "invalid_request", "metadata.k"},
                {"{\"to\":\"+14155550100\"," + from + ",\"text\":\"hi\",\"metadata\":{\"k\":\"" + "v".repeat(501) + "\"}}", 400, "invalid_request", "metadata.k"},
                {"{\"to\":\"+14155550100\"," + from + ",\"text\":\"hi\",\"reply_to\":\"" + UUID.randomUUID() + "\"}", 404, "not_found", "reply_to"},
                {"{\"conversation_id\":\"" + UUID.randomUUID() + "\",\"text\":\"hi\"}", 404, "not_found", "conversation_id"},
                {"{\"conversation_id\":\"not-a-uuid\",\"text\":\"hi\"}", 400, "invalid_request", "conversation_id"},
        };
        for (Object[] c : cases) {
            assertError(send(key, (String) c[0]), (int) c[1], (String) c[2], (String) c[3]);
        }
        StringBuilder many = new StringBuilder("{");
        for (int i = 0; i < 51; i++) {
            many.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
        }
        assertError(send(key, "{\"to\":\"+14155550100\"," + from + ",\"text\":\"hi\",\"metadata\":" + many + "}}"),
                400, "invalid_request", "metadata");
    }

    @Test
    void conversations_are_threaded_automatically_and_browsable() {
        JsonNode first = accepted("{\"to\":\"+14155550994\",\"from_handle\":\"" + SANDBOX + "\",\"text\":\"one\"}");
        String conversation = first.path("conversation_id").asText();
        JsonNode second = accepted("{\"conversation_id\":\"" + conversation + "\",\"text\":\"two\",\"reply_to\":\""
                + first.path("id").asText() + "\"}");
        assertThat(second.path("conversation_id").asText()).isEqualTo(conversation);
        assertThat(second.path("to").asText()).isEqualTo("+14155550994");
        assertThat(second.path("reply_to").asText()).isEqualTo(first.path("id").asText());
        // a from_handle beside conversation_id is checked as beside to: malformed is invalid_handle, a number that is
        // not the thread's invalid_from_handle
        String inThread = "{\"conversation_id\":\"" + conversation + "\",\"text\":\"x\",\"from_handle\":";
        assertError(send(key, inThread + "\"800-555\"}"), 400, "invalid_handle", "from_handle");
        assertError(send(key, inThread + "\"+18005559999\"}"), 400, "invalid_from_handle", "from_handle");

        JsonNode chat = http.get("/v1/chats/" + conversation, key).json().path("data");
        assertThat(chat.path("from_handle").asText()).isEqualTo(SANDBOX);
        assertThat(chat.path("remote_handle").asText()).isEqualTo("+14155550994");
        assertThat(chat.path("is_group").asBoolean()).isFalse();
        assertThat(chat.path("title").isNull()).isTrue();
        assertThat(chat.path("last_message_at").asText()).isEqualTo(Timestamps.format(clock.instant()));

        JsonNode thread = http.get("/v1/messages?conversation_id=" + conversation, key).json();
        assertThat(thread.path("data")).extracting(m -> m.path("text").asText()).containsExactly("two", "one");
        assertThat(http.get("/v1/chats?limit=100", key).json().path("data").toString()).contains(conversation);
        assertError(http.get("/v1/chats/" + UUID.randomUUID(), key), 404, "not_found", null);
    }

    @Test
    void other_accounts_and_the_other_mode_see_nothing_of_it() {
        JsonNode message = accepted("{\"to\":\"+14155550993\",\"from_handle\":\"" + SANDBOX + "\",\"text\":\"private\"}");
        String id = message.path("id").asText();
        String conversation = message.path("conversation_id").asText();
        CreatedAccount other = admin.create("other-" + UUID.randomUUID());
        String live = app.bootstrapped().orElseThrow().liveKey().key();
        for (String foreign : List.of(other.testKey().key(), other.liveKey().key(), live)) {
            assertError(http.get("/v1/messages/" + id, foreign), 404, "not_found", null);
            assertError(http.get("/v1/chats/" + conversation, foreign), 404, "not_found", null);
            assertError(http.get("/v1/messages?conversation_id=" + conversation, foreign), 404, "not_found", "conversation_id");
            assertThat(http.get("/v1/messages?limit=100", foreign).json().path("data").toString()).doesNotContain(id);
            assertThat(http.get("/v1/chats?limit=100", foreign).json().path("data").toString()).doesNotContain(conversation);
            assertError(send(foreign, "{\"conversation_id\":\"" + conversation + "\",\"text\":\"hijack\"}"), 404, "not_found",
                    "conversation_id");
        }
        assertError(http.get("/v1/messages/not-a-uuid", key), 404, "not_found", null);
    }

    @Test
    void walking_pages_never_skips_or_repeats_messages_that_share_a_millisecond() {
        Sender accountSender = newSender("pages", EnumSet.of(ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
        CreatedAccount account = accountSender.account();
        String handle = accountSender.handle();
        String apiKey = account.testKey().key();
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            sent.add(send(apiKey, "{\"to\":\"+1415555" + (1000 + i) + "\",\"from_handle\":\"" + handle + "\",\"text\":\"m" + i
                    + "\"}").json().path("data").path("id").asText());
        }
        clock.advance(Duration.ofMillis(1));
        for (int i = 7; i < 10; i++) {
            sent.add(send(apiKey, "{\"to\":\"+1415555" + (1000 + i) + "\",\"from_handle\":\"" + handle + "\",\"text\":\"m" + i
                    + "\"}").json().path("data").path("id").asText());
        }
        List<String> walked = new ArrayList<>();
        String before = null;
        int pages = 0;
        do {
            JsonNode page = http.get("/v1/messages?limit=3" + (before == null ? "" : "&before=" + before), apiKey).json();
            page.path("data").forEach(m -> walked.add(m.path("id").asText()));
            before = page.path("has_more").asBoolean() ? page.path("next_before").asText() : null;
            assertThat(page.has("next_before")).isTrue();
            pages++;
        } while (before != null && pages < 10);
        assertThat(walked).hasSize(10).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(sent);
        assertThat(walked.subList(0, 3)).containsExactlyInAnyOrderElementsOf(sent.subList(7, 10));

        String older = Timestamps.format(clock.instant());
        JsonNode byTime = http.get("/v1/messages?limit=100&before=" + older, apiKey).json();
        assertThat(byTime.path("data")).hasSize(7);
        assertError(http.get("/v1/messages?limit=0", apiKey), 400, "invalid_request", "limit");
        assertError(http.get("/v1/messages?limit=101", apiKey), 400, "invalid_request", "limit");
        // a whole number in ASCII digits, as documented: not another script's digits (Arabic-Indic 3), not a sign
        assertError(http.get("/v1/messages?limit=%D9%A3", apiKey), 400, "invalid_request", "limit");
        assertError(http.get("/v1/messages?limit=%2B5", apiKey), 400, "invalid_request", "limit");
        assertError(http.get("/v1/messages?before=yesterday", apiKey), 400, "invalid_request", "before");
        Http.Response lost = http.get("/v1/messages?status=lost", apiKey);
        assertError(lost, 400, "invalid_request", "status");
        // the error names every status the filter takes, inbound's and a cancelled schedule's too
        assertThat(lost.json().path("message").asText()).contains("scheduled", "received", "canceled");
        assertThat(http.get("/v1/messages?status=received", apiKey).status()).isEqualTo(200);
        assertError(http.get("/v1/messages?direction=sideways", apiKey), 400, "invalid_request", "direction");
        // values as the wire spells them, as for status (QUEUED is refused): not another case
        assertError(http.get("/v1/messages?status=QUEUED", apiKey), 400, "invalid_request", "status");
        assertError(http.get("/v1/messages?direction=INBOUND", apiKey), 400, "invalid_request", "direction");
        assertThat(http.get("/v1/messages?status=queued&direction=outbound&limit=100", apiKey).json().path("data")).hasSize(10);
        assertThat(http.get("/v1/messages?to=+14155551003", apiKey).json().path("data")).hasSize(1);
        assertThat(http.get("/v1/messages?to=%2B14155551003", apiKey).json().path("data")).hasSize(1);

        // the same rules within one thread (on SQLite a listing by thread is its own statement: see ThreadIndex)
        String thread = http.get("/v1/messages/" + sent.get(0), apiKey).json().path("data").path("conversation_id").asText();
        String byThread = "/v1/messages?conversation_id=" + thread;
        assertThat(http.get(byThread + "&limit=100", apiKey).json().path("data")).hasSize(1);
        assertThat(http.get(byThread + "&before=" + sent.get(0), apiKey).json().path("data")).isEmpty();
        assertError(http.get(byThread + "&before=yesterday", apiKey), 400, "invalid_request", "before");
        assertError(http.get(byThread + "&before=" + java.util.UUID.randomUUID(), apiKey), 400, "invalid_request", "before");
        assertError(http.get(byThread + "&limit=0", apiKey), 400, "invalid_request", "limit");
    }
    @Test
    void a_before_time_finer_than_a_millisecond_keeps_the_messages_of_its_own_millisecond() {
        Sender sender = newSender("fine-before", EnumSet.of(ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
        clock.advance(Duration.ofMillis(1));
        Instant at = clock.instant();
        String id = send(sender.testKey(), "{\"to\":\"+14155550987\",\"from_handle\":\"" + sender.handle()
                + "\",\"text\":\"fine\"}").json().path("data").path("id").asText();
        clock.advance(Duration.ofMillis(1));
        // 0.4 ms after the message: it is older than that, so it is on the page
        String finer = at.plusNanos(400_000).toString();
        for (String query : List.of("/v1/messages?before=" + finer, "/v1/chats?before=" + finer)) {
            JsonNode page = http.get(query, sender.testKey()).json().path("data");
            assertThat(page).as(query).hasSize(1);
        }
        assertThat(http.get("/v1/messages?before=" + finer, sender.testKey()).json().path("data").get(0).path("id").asText())
                .isEqualTo(id);
        // at its very millisecond, it is not (exclusive), however the time is written
        for (String exact : List.of(Timestamps.format(at), at.toString(), at.atOffset(java.time.ZoneOffset.ofHours(2)).toString())) {
            assertThat(http.get("/v1/messages?before=" + exact.replace("+", "%2B"), sender.testKey()).json().path("data"))
                    .as(exact).isEmpty();
        }
    }
    @Test
    void metadata_limits_count_characters_as_text_does_not_utf16_units() {
        String emoji = "\uD83D\uDE00"; // one character, two UTF-16 units
        String from = "\"to\":\"+14155550986\",\"from_handle\":\"" + SANDBOX + "\",\"text\":\"meta\"";
        JsonNode sent = accepted("{" + from + ",\"metadata\":{\"" + emoji.repeat(100) + "\":\"" + emoji.repeat(500) + "\"}}");
        assertThat(sent.path("metadata").path(emoji.repeat(100)).asText()).isEqualTo(emoji.repeat(500));
        assertError(send(key, "{" + from + ",\"metadata\":{\"k\":\"" + emoji.repeat(501) + "\"}}"), 400, "invalid_request",
                "metadata.k");
        assertError(send(key, "{" + from + ",\"metadata\":{\"" + emoji.repeat(101) + "\":\"v\"}}"), 400, "invalid_request",
                "metadata");
    }
    @Test
    void cancelling_takes_no_body_or_an_empty_object_and_a_refused_body_cancels_nothing() {
        String at = Timestamps.format(clock.instant().plus(Duration.ofHours(1)));
        String id = accepted("{\"to\":\"+14155550985\",\"from_handle\":\"" + SANDBOX + "\",\"text\":\"later\","
                + "\"scheduled_at\":\"" + at + "\"}").path("id").asText();
        String path = "/v1/messages/" + id;
        assertError(http.send("DELETE", path, key, "application/json", "{\"force\":true}".getBytes(StandardCharsets.UTF_8),
                Map.of()), 400, "invalid_request", "force");
        assertError(http.send("DELETE", path, key, "text/plain", "cancel".getBytes(StandardCharsets.UTF_8), Map.of()),
                400, "invalid_request", null);
        assertThat(status(id)).isEqualTo("scheduled");
        Http.Response canceled = http.send("DELETE", path, key, "application/json", "{}".getBytes(StandardCharsets.UTF_8),
                Map.of());
        assertThat(canceled.status()).as(canceled.text()).isEqualTo(200);
        assertThat(canceled.json().path("data").path("status").asText()).isEqualTo("canceled");
    }
    @Test
    void a_send_with_two_idempotency_key_headers_is_refused_whichever_comes_first() throws Exception {
        String body = "{\"to\":\"+14155550984\",\"from_handle\":\"" + SANDBOX + "\",\"text\":\"two keys\"}";
        for (String[] keys : new String[][] {{"pair-a", "pair-b"}, {"pair-b", "pair-a"}, {"pair-a", "pair-a"}}) {
            String answer;
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", app.port())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(("POST /v1/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                        + "\r\nContent-Type: application/json\r\nIdempotency-Key: " + keys[0] + "\r\nIdempotency-Key: "
                        + keys[1] + "\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body)
                        .getBytes(StandardCharsets.UTF_8));
                socket.getOutputStream().flush();
                answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            }
            assertThat(answer).as(String.join(",", keys)).startsWith("HTTP/1.1 400")
                    .contains("\"error\":\"invalid_request\"").contains("\"param\":\"Idempotency-Key\"");
        }
        assertThat(http.get("/v1/messages?to=%2B14155550984", key).json().path("data")).isEmpty();
        // neither key was used up: each still creates the message once
        assertThat(send(key, body, "pair-a").status()).isEqualTo(202);
        assertThat(send(key, body, "pair-a").status()).isEqualTo(200);
        assertThat(http.get("/v1/messages?to=%2B14155550984", key).json().path("data")).hasSize(1);
    }
    @Test
    void a_before_time_with_an_offset_sent_with_a_raw_plus_is_that_offset() {
        Sender sender = newSender("raw-plus", EnumSet.of(ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
        clock.advance(Duration.ofMillis(1));
        Instant at = clock.instant();
        send(sender.testKey(), "{\"to\":\"+14155550981\",\"from_handle\":\"" + sender.handle() + "\",\"text\":\"plus\"}");
        clock.advance(Duration.ofMillis(1));
        java.time.OffsetDateTime local = at.plusMillis(1).atOffset(java.time.ZoneOffset.ofHours(2));
        // "+02:00" unencoded: a query string's '+' decodes to a space
        for (String written : List.of(local.toString(), local.toString().replace("+", "%2B"))) {
            for (String list : List.of("/v1/messages", "/v1/chats")) {
                Http.Response page = http.get(list + "?before=" + written, sender.testKey());
                assertThat(page.status()).as(list + " " + written + " " + page.text()).isEqualTo(200);
                assertThat(page.json().path("data")).as(list + " " + written).hasSize(1);
            }
        }
        // and one millisecond earlier the message is not older than the cursor
        String exact = at.atOffset(java.time.ZoneOffset.ofHours(2)).toString();
        assertThat(http.get("/v1/messages?before=" + exact, sender.testKey()).json().path("data")).isEmpty();
        assertError(http.get("/v1/messages?before=2026-11-23T10:00:00.000%200200", sender.testKey()), 400,
                "invalid_request", "before");
    }
    @Test
    void an_empty_blank_or_null_id_is_a_wrong_format_not_an_absent_or_unknown_one() {
        String from = "\"to\":\"+14155550980\",\"from_handle\":\"" + SANDBOX + "\",\"text\":\"ids\"";
        Object[][] cases = {
                {"\"reply_to\":\"\"", "reply_to"},
                {"\"reply_to\":\"   \"", "reply_to"},
                {"\"conversation_id\":\"\"", "conversation_id"},
                {"\"attachment_ids\":[\"\"]", "attachment_ids[0]"},
                {"\"attachment_ids\":[null]", "attachment_ids[0]"},
        };
        for (Object[] c : cases) {
            assertError(send(key, "{" + from + "," + c[0] + "}"), 400, "invalid_request", (String) c[1]);
        }
        assertError(send(key, "{\"conversation_id\":\"\",\"text\":\"ids\"}"), 400, "invalid_request", "conversation_id");
        assertThat(http.get("/v1/messages?to=%2B14155550980", key).json().path("data")).isEmpty();
        // an id with surrounding spaces is still that id
        String first = accepted("{" + from + "}").path("id").asText();
        assertThat(accepted("{" + from + ",\"reply_to\":\" " + first + " \"}").path("reply_to").asText()).isEqualTo(first);
    }
    @Test
    void an_id_in_a_path_or_query_is_read_only_in_its_canonical_form() {
        JsonNode message = accepted("{\"to\":\"+14155550979\",\"from_handle\":\"" + SANDBOX + "\",\"text\":\"alias\"}");
        String id = message.path("id").asText();
        String thread = message.path("conversation_id").asText();
        // the same 128 bits with the first group one digit short and the second one digit long
        String alias = id.substring(1, 8) + "-0" + id.substring(9);
        assertThat(id).startsWith("0"); // so that the alias names the same bits
        assertThat(alias).hasSize(36).isNotEqualTo(id);
        String threadAlias = thread.substring(1, 8) + "-0" + thread.substring(9);
        assertError(http.get("/v1/messages/" + alias, key), 404, "not_found", null);
        assertError(http.send("DELETE", "/v1/messages/" + alias, key, null, null, Map.of()), 404, "not_found", null);
        assertError(http.get("/v1/chats/" + threadAlias, key), 404, "not_found", null);
        assertError(http.get("/v1/messages?before=" + alias, key), 400, "invalid_request", "before");
        assertError(http.get("/v1/messages?conversation_id=" + threadAlias, key), 400, "invalid_request", "conversation_id");
        // upper case is the same id
        assertThat(http.get("/v1/messages/" + id.toUpperCase(java.util.Locale.ROOT), key).status()).isEqualTo(200);
        assertThat(http.get("/v1/messages?conversation_id=" + thread.toUpperCase(java.util.Locale.ROOT), key).status())
                .isEqualTo(200);
    }
    @Test
    void a_send_with_two_content_type_headers_is_refused_whichever_comes_first() throws Exception {
        String body = "{\"to\":\"+14155550978\",\"from_handle\":\"" + SANDBOX + "\",\"text\":\"two types\"}";
        for (String[] types : new String[][] {{"application/json", "text/plain"}, {"text/plain", "application/json"},
                {"application/json", "application/json"}}) {
            String answer;
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", app.port())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(("POST /v1/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                        + "\r\nContent-Type: " + types[0] + "\r\nContent-Type: " + types[1] + "\r\nContent-Length: "
                        + body.length() + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
                socket.getOutputStream().flush();
                answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            }
            assertThat(answer).as(String.join(",", types)).startsWith("HTTP/1.1 400").contains("\"error\":\"invalid_request\"")
                    .contains("Content-Type");
        }
        assertThat(http.get("/v1/messages?to=%2B14155550978", key).json().path("data")).isEmpty();
    }

    /**
     * {@code /metrics} after sends over HTTP: {@code msgbubbles_sends_total} counts each send run by its outcome (a
     * flaky recipient's two refusals as retrying, an unreachable one as failed, every accepted send as sent), and
     * {@code msgbubbles_queue_backlog_age_seconds} is how long the oldest send a worker could take has waited: the
     * time nobody ran the worker, then 0 while the only waiting send is the follower of a message retrying later.
     */
    @Test
    void metrics_count_sends_by_outcome_and_show_how_long_the_oldest_claimable_job_has_waited() {
        app.worker().drain(); // nothing of earlier tests is due: the sends below are the oldest claimable jobs
        Map<String, Double> before = sendOutcomes();
        assertThat(scraped("msgbubbles_queue_backlog_age_seconds")).isEqualTo(0.0);
        String first = sendText(to("0503"), "first"); // unavailable for its first two attempts
        String second = sendText(to("0503"), "second"); // its thread's next: behind the first
        String unreachable = sendText(to("0666"), "never");
        String plain = sendText(to("1234"), "hello");

        clock.advance(Duration.ofSeconds(45)); // and no worker runs
        assertThat(scraped("msgbubbles_queue_backlog_age_seconds")).isEqualTo(45.0);

        tick(Duration.ZERO);
        assertThat(status(plain)).isEqualTo("sent");
        assertThat(status(unreachable)).isEqualTo("failed");
        assertThat(get(unreachable).path("error").path("code").asText()).isEqualTo("recipient_unreachable");
        assertThat(deltas(before)).containsExactlyInAnyOrderEntriesOf(Map.of("sent", 1.0, "retrying", 1.0, "failed", 1.0));
        // the first send retries later; the second, due 45 s ago, waits behind it and is no backlog
        assertThat(status(second)).isEqualTo("queued");
        assertThat(scraped("msgbubbles_queue_backlog_age_seconds")).isEqualTo(0.0);

        for (int i = 0; i < 6; i++) {
            tick(Duration.ofSeconds(1));
        }
        assertThat(status(first)).isIn("sent", "delivered", "read");
        assertThat(status(second)).isIn("sent", "delivered", "read");
        // each of the two went out on its third attempt
        assertThat(deltas(before)).containsExactlyInAnyOrderEntriesOf(Map.of("sent", 3.0, "retrying", 4.0, "failed", 1.0));
        assertThat(scraped("msgbubbles_queue_backlog_age_seconds")).isEqualTo(0.0);
    }

    private Map<String, Double> sendOutcomes() {
        Map<String, Double> counts = new java.util.HashMap<>();
        String scrape = http.get("/metrics", null).text();
        for (String outcome : List.of("sent", "retrying", "failed")) {
            counts.put(outcome, scraped(scrape, "msgbubbles_sends_total{outcome=\"" + outcome + "\"}"));
        }
        return counts;
    }

    private Map<String, Double> deltas(Map<String, Double> before) {
        Map<String, Double> now = sendOutcomes();
        Map<String, Double> deltas = new java.util.HashMap<>();
        now.forEach((outcome, count) -> deltas.put(outcome, count - before.get(outcome)));
        return deltas;
    }

    private double scraped(String series) {
        return scraped(http.get("/metrics", null).text(), series);
    }

    /** The value of {@code series} (name and labels as printed) in a Prometheus text scrape. */
    private static double scraped(String scrape, String series) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).strip());
            }
        }
        throw new AssertionError("no " + series + " in /metrics:\n" + scrape);
    }
}

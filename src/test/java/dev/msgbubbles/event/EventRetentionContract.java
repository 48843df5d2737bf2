package dev.msgbubbles.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.msgbubbles.App;
import dev.msgbubbles.account.AccountAdmin;
import dev.msgbubbles.account.CreatedAccount;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.queue.JobQueue;
import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.SseReader;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A consumer whose cursor is behind the event retention is told so ({@code 410 cursor_expired}) instead of silently
 * skipping the events the purge removed: over HTTP, on the whole server, for pages and the stream. Exact per account
 * and mode: a consumer of an account that had nothing removed after its cursor reads on. Manual clock; the purge runs
 * by hand (the server's own purge job is due an hour after its start, which this clock never reaches).
 */
abstract class EventRetentionContract {
    private static final Instant START = Instant.parse("2026-03-01T00:00:00Z");
    private static final Instant OLD = START.minus(Duration.ofDays(40));
    private final MutableClock clock = new MutableClock(START);
    private final EventLog log = new EventLog(EventLog.Fanout.NONE);
    private TestStore store;
    private App app;
    private Http http;
    private AccountAdmin admin;

    abstract TestStore newStore();

    @BeforeEach
    void start() {
        store = newStore();
        // heartbeats every second (the shortest allowed): a filtered stream's heartbeat carries how far it looked
        app = App.start(store.config(Map.of("MSGBUBBLES_EVENTS_HEARTBEAT_SECONDS", "1")), clock);
        http = new Http(app.port());
        admin = new AccountAdmin(app.database(), clock);
    }

    @AfterEach
    void stop() {
        app.close();
        store.close();
    }

    /** {@code count} events of one account and mode created {@code at}, written together; their cursors. */
    private List<Long> append(CreatedAccount account, Mode mode, int count, Instant at) {
        return append(account, mode, EventType.MESSAGE_SENT, count, at);
    }

    private List<Long> append(CreatedAccount account, Mode mode, EventType type, int count, Instant at) {
        List<EventLog.Pending> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batch.add(EventLog.pending(account.account().id(), mode, type, null, Map.of("n", i), at));
        }
        app.database().writeVoid(tx -> log.append(tx, batch));
        return app.database().read(h -> log.after(h, account.account().id(), mode, 0, 100_000)).stream()
                .filter(e -> batch.stream().anyMatch(p -> p.id().equals(e.id()))).map(Event::cursor).toList();
    }

    private long purgeOlderThanThirtyDays() {
        return new EventPurge(app.database(), new JobQueue(app.database()), Duration.ofDays(30))
                .purge(START.minus(Duration.ofDays(30))).purged();
    }

    private static void assertExpired(Http.Response response, String param) {
        assertThat(response.status()).as(response.text()).isEqualTo(410);
        assertThat(response.header("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode body = response.json();
        assertThat(body.path("error").asText()).isEqualTo("cursor_expired");
        assertThat(body.path("message").asText()).contains("retention").contains("after=0");
        assertThat(body.path("param").asText()).isEqualTo(param);
        assertThat(body.path("request_id").asText()).startsWith("req_");
        assertThat(body.has("data")).isFalse();
    }

    private static List<Long> cursors(Http.Response page) {
        assertThat(page.status()).as(page.text()).isEqualTo(200);
        List<Long> cursors = new ArrayList<>();
        page.json().path("data").forEach(e -> cursors.add(e.path("cursor").asLong()));
        return cursors;
    }

    @Test
    void a_cursor_behind_the_retention_is_410_at_or_after_it_200_and_other_accounts_and_modes_read_on() {
        CreatedAccount purged = admin.create("purged-" + UUID.randomUUID());
        CreatedAccount other = admin.create("other-" + UUID.randomUUID());
        List<Long> old = append(purged, Mode.TEST, 3, OLD);
        List<Long> otherOld = append(other, Mode.TEST, 2, START.minus(Duration.ofDays(1)));
        List<Long> liveOld = append(purged, Mode.LIVE, 1, START.minus(Duration.ofDays(1)));
        List<Long> kept = append(purged, Mode.TEST, 2, START.minus(Duration.ofDays(1)));
        String key = purged.testKey().key();
        assertThat(cursors(http.get("/v1/events?after=" + old.getFirst(), key))).containsExactly(old.get(1),
                old.get(2), kept.get(0), kept.get(1));

        assertThat(purgeOlderThanThirtyDays()).isEqualTo(3);

        // before the last removed event: that consumer would miss what was removed after its cursor
        assertExpired(http.get("/v1/events?after=1", key), "after");
        assertExpired(http.get("/v1/events?after=" + old.getFirst(), key), "after");
        assertExpired(http.get("/v1/events?after=" + old.get(1), key), "after");
        assertExpired(http.get("/v1/events?after=" + old.getFirst() + "&types=message.sent,message.failed", key),
                "after");
        // at the last removed event or after it: nothing missed
        assertThat(cursors(http.get("/v1/events?after=" + old.getLast(), key))).containsExactlyElementsOf(kept);
        assertThat(cursors(http.get("/v1/events?after=" + kept.getFirst(), key))).containsExactly(kept.getLast());
        // no cursor (or 0): from the oldest kept event
        assertThat(cursors(http.get("/v1/events", key))).containsExactlyElementsOf(kept);
        assertThat(cursors(http.get("/v1/events?after=0", key))).containsExactlyElementsOf(kept);
        // the other mode of the same account, and another account, had nothing removed: old cursors still read on
        assertThat(cursors(http.get("/v1/events?after=1", purged.liveKey().key()))).containsExactlyElementsOf(liveOld);
        assertThat(cursors(http.get("/v1/events?after=1", other.testKey().key()))).containsExactlyElementsOf(otherOld);
    }

    @Test
    void the_stream_answers_410_as_json_before_it_starts_and_streams_from_the_horizon_on() throws Exception {
        CreatedAccount purged = admin.create("stream-" + UUID.randomUUID());
        List<Long> old = append(purged, Mode.TEST, 20, OLD); // two packed rows: 16 and 4
        List<Long> kept = append(purged, Mode.TEST, 1, START);
        assertThat(purgeOlderThanThirtyDays()).isEqualTo(20);
        String key = purged.testKey().key();

        assertExpired(http.send("GET", "/v1/events/stream", key, null, null,
                Map.of("Last-Event-ID", String.valueOf(old.get(3)))), "Last-Event-ID");
        assertExpired(http.get("/v1/events/stream?after=" + old.get(16), key), "after");
        // Last-Event-ID wins over after, for the check too
        assertExpired(http.send("GET", "/v1/events/stream?after=" + old.getLast(), key, null, null,
                Map.of("Last-Event-ID", String.valueOf(old.getFirst()))), "Last-Event-ID");

        for (String lastEventId : List.of(String.valueOf(old.getLast()), "0")) {
            HttpResponse<InputStream> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + app.port() + "/v1/events/stream"))
                    .header("Authorization", "Bearer " + key).header("Last-Event-ID", lastEventId).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(reader.readLine()).startsWith(": stream of events after cursor " + lastEventId);
                assertThat(reader.readLine()).isEmpty();
                assertThat(reader.readLine()).isEqualTo("id: " + kept.getFirst());
            }
        }
    }

    /**
     * A stream of a rare type sees no event of its own for longer than the retention while others flow past it. Its
     * client (EventSource) resumes from the last {@code id:} it was given: were that its last event's, a reconnection
     * (a network blip, or the drain of a deploy, which asks for one) after the purge of the other types' events would be
     * {@code 410}, on which EventSource gives up for good, though nothing of its types was removed.
     */
    @Test
    void a_filtered_stream_gives_its_position_with_heartbeats_so_that_a_reconnection_after_a_purge_reads_on()
            throws Exception {
        CreatedAccount account = admin.create("rare-" + UUID.randomUUID());
        String key = account.testKey().key();
        long rare = append(account, Mode.TEST, EventType.NUMBER_STATUS_CHANGED, 1, OLD).getFirst();
        List<Long> others = append(account, Mode.TEST, 20, OLD); // message.sent: not what the stream takes
        String lastEventId;
        try (SseReader stream = new SseReader(app.port(), key, "?types=number.status_changed", null)) {
            assertThat(stream.next("id: ")).isEqualTo("id: " + rare);
            lastEventId = String.valueOf(rare);
            // as EventSource keeps it: the last id field, whether or not an event came with it, up to the end of the
            // first heartbeat's block (the stream has looked at every event by then)
            boolean beat = false;
            while (true) {
                String line = stream.lines.poll(10, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(line).as("a heartbeat within 10 s").isNotNull();
                if (line.startsWith("id: ")) {
                    lastEventId = line.substring("id: ".length());
                }
                beat |= line.equals(": heartbeat");
                if (beat && line.isEmpty()) {
                    break;
                }
            }
        }
        assertThat(purgeOlderThanThirtyDays()).isEqualTo(21);

        try (SseReader stream = new SseReader(app.port(), key, "?types=number.status_changed", lastEventId)) {
            assertThat(stream.response.statusCode()).as("resumed from " + lastEventId).isEqualTo(200);
            assertThat(stream.next(": stream")).isEqualTo(": stream of events after cursor " + others.getLast());
            long next = append(account, Mode.TEST, EventType.NUMBER_STATUS_CHANGED, 1, START).getFirst();
            assertThat(stream.next("id: ")).isEqualTo("id: " + next);
        }
    }
}

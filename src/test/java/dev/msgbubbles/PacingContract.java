package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.account.Provider;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Per-number pacing: a burst is accepted at once (202) and goes out one slot at a time, and the slots are the
 * database's, so two server processes on one database together send a number's messages at its pace, not at twice it.
 * The processes here are two {@link App}s in this JVM with the worker off, each run by hand at an instant of one
 * manual clock.
 */
abstract class PacingContract {
    static final String NUMBER = "+18005550100";
    static final String OTHER = "+18005550177";
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));

    abstract TestStore newStore();

    private Map<String, String> paced(String perMinute) {
        return Map.of("MSGBUBBLES_WORKER_ENABLED", "false", "MSGBUBBLES_SANDBOX_PACING_PER_MINUTE", perMinute);
    }

    private static String send(Http http, String key, String from, String to) {
        Http.Response r = http.postJson("/v1/messages", key,
                "{\"to\":\"" + to + "\",\"from_handle\":\"" + from + "\",\"text\":\"x\"}");
        assertThat(r.status()).as(r.text()).isEqualTo(202);
        return r.json().path("data").path("id").asText();
    }

    private static long sentCount(Http http, String key, List<String> ids) {
        return ids.stream().filter(id -> !status(http, key, id).equals("queued")).count();
    }

    private static String status(Http http, String key, String id) {
        return http.get("/v1/messages/" + id, key).json().path("data").path("status").asText();
    }

    private static Instant sentAt(Http http, String key, String id) {
        return Instant.parse(http.get("/v1/messages/" + id, key).json().path("data").path("sent_at").asText());
    }

    @Test
    void a_paced_number_queues_a_burst_and_sends_one_per_slot() {
        try (TestStore store = newStore(); App app = App.start(store.config(paced("60")), clock)) {
            Http http = new Http(app.port());
            String key = app.bootstrapped().orElseThrow().testKey().key();
            List<String> ids = new ArrayList<>();
            for (String to : List.of("+14155553001", "+14155553002", "+14155553003", "+14155553001")) {
                ids.add(send(http, key, NUMBER, to));
            }
            app.worker().drain();
            assertThat(sentCount(http, key, ids)).isEqualTo(1);
            clock.advance(Duration.ofMillis(999));
            app.worker().drain();
            assertThat(sentCount(http, key, ids)).isEqualTo(1);
            clock.advance(Duration.ofMillis(1));
            app.worker().drain();
            assertThat(sentCount(http, key, ids)).isEqualTo(2);
            clock.advance(Duration.ofSeconds(1));
            app.worker().drain();
            assertThat(sentCount(http, key, ids)).isEqualTo(3);
            clock.advance(Duration.ofSeconds(1));
            app.worker().drain();
            assertThat(sentCount(http, key, ids)).isEqualTo(4);
            // the two messages of one thread still went out in order
            assertThat(sentAt(http, key, ids.get(3))).isAfter(sentAt(http, key, ids.get(0)));
        }
    }

    @Test
    void two_processes_on_one_database_send_a_number_at_its_pace_together() {
        try (TestStore store = newStore(); App first = App.start(store.config(paced("60")), clock);
             App second = App.start(store.config(paced("60")), clock)) {
            String key = first.bootstrapped().orElseThrow().testKey().key();
            try (Database db = store.open()) {
                UUID account = db.read(h -> h.createQuery("SELECT id FROM accounts").mapTo(String.class).one())
                        .transform(UUID::fromString);
                App.adminNumbers(db, clock).add(new NumberDirectory.NewNumber(account, OTHER,
                        Set.of(ChannelType.IMESSAGE, ChannelType.SMS), Mode.TEST, Provider.SANDBOX, null));
            }
            Http one = new Http(first.port());
            Http two = new Http(second.port());
            // a burst to one number, accepted by both processes; each worker runs at the same instant
            String a1 = send(one, key, NUMBER, "+14155553001");
            first.worker().drain();
            String b = send(two, key, NUMBER, "+14155553002");
            String elsewhere = send(two, key, OTHER, "+14155553009");
            second.worker().drain();
            String a2 = send(one, key, NUMBER, "+14155553001");
            String c = send(two, key, NUMBER, "+14155553003");
            first.worker().drain();
            second.worker().drain();
            List<String> burst = List.of(a1, b, a2, c);
            assertThat(sentCount(one, key, burst)).as("sent by both at one instant").isEqualTo(1);
            assertThat(status(one, key, a1)).isNotEqualTo("queued");
            assertThat(status(one, key, elsewhere)).as("another number is not held up").isNotEqualTo("queued");

            clock.advance(Duration.ofMillis(999));
            second.worker().drain();
            first.worker().drain();
            assertThat(sentCount(one, key, burst)).isEqualTo(1);
            for (int slot = 2; slot <= 4; slot++) {
                clock.advance(Duration.ofSeconds(1));
                second.worker().drain();
                first.worker().drain();
                second.worker().drain();
                assertThat(sentCount(one, key, burst)).as("after slot %s", slot).isEqualTo(slot);
            }
            // the two messages of one thread went out in the order they were accepted
            assertThat(sentAt(one, key, a2)).isAfter(sentAt(one, key, a1));
        }
    }

    @Test
    void an_unpaced_number_writes_no_pacing_row() {
        try (TestStore store = newStore(); App app = App.start(store.config(paced("0")), clock)) {
            Http http = new Http(app.port());
            String key = app.bootstrapped().orElseThrow().testKey().key();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ids.add(send(http, key, NUMBER, "+14155553001"));
            }
            app.worker().drain();
            assertThat(sentCount(http, key, ids)).isEqualTo(3);
            try (Database db = store.open()) {
                long rows = db.read(h -> h.createQuery("SELECT COUNT(*) FROM number_pacing").mapTo(Long.class).one());
                assertThat(rows).isZero();
            }
        }
    }
}

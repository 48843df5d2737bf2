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
        return Map.of("MSGBUBBLES_WORKER_ENABLED", "false", "MSGBUBBLES_SANDBOX_PACING_PER_MINUTE", perMinute,
                "MSGBUBBLES_RATE_LIMIT_PER_MINUTE", "1000000");
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

    /**
     * The most attempts any send job still queued has had: claims, less those whose run only put the job back for later
     * (JobQueue.putBack), as a wait for a slot does.
     */
    private static int mostClaims(TestStore store) {
        try (Database db = store.open()) {
            return db.read(h -> h.createQuery("SELECT COALESCE(MAX(attempts), 0) FROM jobs WHERE kind = 'send_message'")
                    .mapTo(Integer.class).one());
        }
    }

    private static long nextFreeNanos(TestStore store) {
        try (Database db = store.open()) {
            return db.read(h -> h.createQuery("SELECT next_free_ns FROM number_pacing WHERE handle = :h")
                    .bind("h", NUMBER).mapTo(Long.class).one());
        }
    }

    /** The send jobs still queued, by subject, with their due times (none is leased between drains). */
    private static Map<String, Long> waitingSends(TestStore store) {
        try (Database db = store.open()) {
            return db.read(h -> h.createQuery("SELECT subject, run_at FROM jobs WHERE kind = 'send_message'")
                    .map((rs, ctx) -> Map.entry(rs.getString("subject"), rs.getLong("run_at"))).list())
                    .stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        }
    }

    /**
     * One send of {@code before} went at {@code slot} and the others were not claimed again: each still has the due
     * time it booked (a claim that booked again, or a claim at all on SQLite, moves it).
     */
    private static void notClaimedAgain(Map<String, Long> before, Map<String, Long> after, int slot) {
        assertThat(after).as("sends waiting after slot %s", slot).hasSize(before.size() - 1);
        assertThat(before).as("sends waiting after slot %s keep their booked due times", slot)
                .containsAllEntriesOf(after);
    }

    /** Each one second after the one before, in the order they went out. */
    private static void exactlyOneSecondApart(Http http, String key, List<String> ids) {
        List<Instant> sent = ids.stream().map(id -> sentAt(http, key, id)).sorted().toList();
        for (int i = 1; i < sent.size(); i++) {
            assertThat(Duration.between(sent.get(i - 1), sent.get(i))).as("send %s", i)
                    .isEqualTo(Duration.ofSeconds(1));
        }
    }

    /** The distinct due times of the send jobs still queued (SQLite: none is leased between drains). */
    private static List<Long> sendsDueAt(TestStore store) {
        try (Database db = store.open()) {
            return db.read(h -> h.createQuery("SELECT DISTINCT run_at FROM jobs WHERE kind = 'send_message' ORDER BY 1")
                    .mapTo(Long.class).list());
        }
    }

    /**
     * Eight messages to one contact (one thread, one lane) at 60 a minute: one a second, in the order accepted, none
     * before its slot. Each slot's send books the next, and the messages waiting behind it are due with it, at that
     * slot, not at the time they were accepted (where every claim of every worker read them: JobQueue.reschedule).
     */
    @Test
    void a_thread_queued_to_one_contact_goes_at_the_pace_in_order_the_waiting_due_with_the_next_slot() {
        try (TestStore store = newStore(); App app = App.start(store.config(paced("60")), clock)) {
            Http http = new Http(app.port());
            String key = app.bootstrapped().orElseThrow().testKey().key();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                ids.add(send(http, key, NUMBER, "+14155553001"));
            }
            app.worker().drain();
            assertThat(sentCount(http, key, ids)).isEqualTo(1);
            for (int slot = 2; slot <= 8; slot++) {
                assertThat(sendsDueAt(store)).as("before slot %s", slot)
                        .containsExactly(clock.instant().plusSeconds(1).toEpochMilli());
                clock.advance(Duration.ofMillis(999));
                app.worker().drain();
                assertThat(sentCount(http, key, ids)).as("just before slot %s", slot).isEqualTo(slot - 1);
                clock.advance(Duration.ofMillis(1));
                app.worker().drain();
                assertThat(sentCount(http, key, ids)).as("at slot %s", slot).isEqualTo(slot);
            }
            assertThat(sendsDueAt(store)).isEmpty();
            exactlyOneSecondApart(http, key, ids);
            for (int i = 1; i < ids.size(); i++) {
                assertThat(sentAt(http, key, ids.get(i))).as("message %s", i).isAfter(sentAt(http, key, ids.get(i - 1)));
            }
        }
    }

    /**
     * A bulk send of twenty messages from one number to twenty threads: each waiting send books its own slot and is
     * claimed once more, at it: at each slot the others keep the due times they booked. Before bookings, every slot
     * claimed every send still waiting (a send was claimed up to twenty times, and a campaign of thousands made
     * thousands of claims and writes a second). (Seen in the due times, not in the jobs' attempts, which a wait for a
     * slot no longer adds to: JobQueue.putBack.)
     */
    @Test
    void twenty_queued_sends_of_one_number_are_each_claimed_about_once() {
        try (TestStore store = newStore(); App app = App.start(store.config(paced("60")), clock)) {
            Http http = new Http(app.port());
            String key = app.bootstrapped().orElseThrow().testKey().key();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                ids.add(send(http, key, NUMBER, "+141555530" + (10 + i)));
            }
            app.worker().drain();
            assertThat(sentCount(http, key, ids)).isEqualTo(1);
            for (int slot = 2; slot <= 20; slot++) {
                Map<String, Long> waiting = waitingSends(store);
                clock.advance(Duration.ofSeconds(1));
                app.worker().drain();
                assertThat(sentCount(http, key, ids)).as("after slot %s", slot).isEqualTo(slot);
                notClaimedAgain(waiting, waitingSends(store), slot);
            }
            exactlyOneSecondApart(http, key, ids);
        }
    }

    @Test
    void two_processes_booking_one_numbers_slots_never_exceed_its_pace() {
        try (TestStore store = newStore(); App first = App.start(store.config(paced("60")), clock);
             App second = App.start(store.config(paced("60")), clock)) {
            String key = first.bootstrapped().orElseThrow().testKey().key();
            Http one = new Http(first.port());
            Http two = new Http(second.port());
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                ids.add(send(one, key, NUMBER, "+141555531" + (10 + i)));
                ids.add(send(two, key, NUMBER, "+141555532" + (10 + i)));
            }
            first.worker().drain();
            second.worker().drain();
            assertThat(sentCount(one, key, ids)).isEqualTo(1);
            for (int slot = 2; slot <= 20; slot++) {
                Map<String, Long> waiting = waitingSends(store);
                clock.advance(Duration.ofSeconds(1));
                second.worker().drain();
                first.worker().drain();
                assertThat(sentCount(one, key, ids)).as("after slot %s", slot).isEqualTo(slot);
                notClaimedAgain(waiting, waitingSends(store), slot);
            }
            exactlyOneSecondApart(one, key, ids);
        }
    }

    /**
     * Bookings are the job's and the row's, committed together: a server restarted while sends wait sends each in its
     * booked slot without booking another (the row stays where the bookings left it).
     */
    @Test
    void a_restart_keeps_each_waiting_sends_booked_slot() {
        try (TestStore store = newStore()) {
            List<String> ids = new ArrayList<>();
            String key;
            try (App app = App.start(store.config(paced("60")), clock)) {
                Http http = new Http(app.port());
                key = app.bootstrapped().orElseThrow().testKey().key();
                for (int i = 0; i < 3; i++) {
                    ids.add(send(http, key, NUMBER, "+141555533" + (10 + i)));
                }
                app.worker().drain();
                assertThat(sentCount(http, key, ids)).isEqualTo(1);
            }
            long booked = nextFreeNanos(store);
            try (App app = App.start(store.config(paced("60")), clock)) {
                Http http = new Http(app.port());
                for (int slot = 2; slot <= 3; slot++) {
                    clock.advance(Duration.ofSeconds(1));
                    app.worker().drain();
                    assertThat(sentCount(http, key, ids)).as("after slot %s", slot).isEqualTo(slot);
                }
                assertThat(nextFreeNanos(store)).isEqualTo(booked);
                assertThat(mostClaims(store)).isZero();
                exactlyOneSecondApart(http, key, ids);
            }
        }
    }

    /**
     * Down twice in a row: the first start after a downtime sends one of the sends whose slots passed and books the
     * others anew, one a second; down again before those slots came, the next start does the same with them, rather
     * than send them all together (as it did: a booking made anew held however late it came back).
     */
    @Test
    void a_second_downtime_does_not_send_together_the_sends_the_first_restart_booked_anew() {
        try (TestStore store = newStore()) {
            List<String> ids = new ArrayList<>();
            String key;
            Instant start = clock.instant();
            try (App app = App.start(store.config(paced("60")), clock)) {
                Http http = new Http(app.port());
                key = app.bootstrapped().orElseThrow().testKey().key();
                for (int i = 0; i < 5; i++) {
                    ids.add(send(http, key, NUMBER, "+141555537" + (10 + i)));
                }
                app.worker().drain();
                assertThat(sentCount(http, key, ids)).isEqualTo(1);
            }
            clock.advance(Duration.ofMinutes(1));
            try (App app = App.start(store.config(paced("60")), clock)) {
                app.worker().drain();
                assertThat(sentCount(new Http(app.port()), key, ids)).as("one at once, three booked anew").isEqualTo(2);
            }
            clock.advance(Duration.ofMinutes(1));
            try (App app = App.start(store.config(paced("60")), clock)) {
                Http http = new Http(app.port());
                app.worker().drain();
                assertThat(sentCount(http, key, ids)).as("one at once, not the three booked anew together")
                        .isEqualTo(3);
                for (int sent = 4; sent <= 5; sent++) {
                    clock.advance(Duration.ofSeconds(1));
                    app.worker().drain();
                    assertThat(sentCount(http, key, ids)).isEqualTo(sent);
                }
                List<Instant> times = ids.stream().map(id -> sentAt(http, key, id)).sorted().toList();
                assertThat(times).containsExactly(start, start.plusSeconds(60), start.plusSeconds(120),
                        start.plusSeconds(121), start.plusSeconds(122));
            }
        }
    }

    /**
     * A send claimed at its booked slot by a worker that then died is claimed again when its lease ends, still in its
     * slot (a pace of one a minute, a lease of 20 s): it sends in that slot, neither booking a second one nor losing
     * its own, and the next booked send keeps its slot.
     */
    @Test
    void a_booked_send_claimed_again_after_its_lease_ran_out_keeps_its_slot() {
        Map<String, String> settings = Map.of("MSGBUBBLES_WORKER_ENABLED", "false",
                "MSGBUBBLES_SANDBOX_PACING_PER_MINUTE", "1", "MSGBUBBLES_JOB_LEASE_SECONDS", "20",
                "MSGBUBBLES_WEBHOOK_TIMEOUT_MS", "2000", "MSGBUBBLES_RATE_LIMIT_PER_MINUTE", "1000000");
        try (TestStore store = newStore(); App app = App.start(store.config(settings), clock)) {
            Http http = new Http(app.port());
            String key = app.bootstrapped().orElseThrow().testKey().key();
            Instant start = clock.instant();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ids.add(send(http, key, NUMBER, "+141555534" + (10 + i)));
            }
            app.worker().drain();
            long booked = nextFreeNanos(store);
            clock.advance(Duration.ofMinutes(1).minusMillis(1));
            app.worker().drain(); // the first send's receipts
            assertThat(sentCount(http, key, ids)).isEqualTo(1);
            clock.advance(Duration.ofMillis(1));
            dev.msgbubbles.queue.Job dying;
            try (Database db = store.open()) {
                dying = db.write(tx -> new dev.msgbubbles.queue.JobQueue(db)
                        .claim(tx, "a worker about to die", 1, clock.instant(), Duration.ofSeconds(20))).getFirst();
            }
            assertThat(dying.kind()).isEqualTo("send_message");
            String second = dying.subject();
            String third = ids.stream().filter(id -> !id.equals(second) && status(http, key, id).equals("queued"))
                    .findFirst().orElseThrow();
            clock.advance(Duration.ofSeconds(20));
            app.worker().drain();
            assertThat(status(http, key, second)).isNotEqualTo("queued");
            assertThat(sentAt(http, key, second)).isEqualTo(start.plusSeconds(80));
            assertThat(nextFreeNanos(store)).isEqualTo(booked);
            assertThat(status(http, key, third)).isEqualTo("queued");
            clock.advance(Duration.ofSeconds(40));
            app.worker().drain();
            assertThat(sentAt(http, key, third)).isEqualTo(start.plusSeconds(120));
        }
    }

    private Map<String, String> oneAMinute() {
        return Map.of("MSGBUBBLES_WORKER_ENABLED", "false", "MSGBUBBLES_SANDBOX_PACING_PER_MINUTE", "1",
                "MSGBUBBLES_RATE_LIMIT_PER_MINUTE", "1000000");
    }

    /**
     * A booked send the backend asks to try again later has not sent in its slot, which goes unused: the next try books
     * a slot of its own (here after the one booked meanwhile), rather than sending on the old booking, still within its
     * minute. The sandbox's {@code …0503} is unavailable for its first two tries whatever the waits for slots around
     * them (a wait is no attempt): at its slots of 60 s and 180 s, and sent at its third, at 240 s. (Attempts used to
     * count claims, waits included: it was unavailable once, and sent at 180 s.)
     */
    @Test
    void a_booked_send_the_backend_puts_off_books_anew() {
        try (TestStore store = newStore(); App app = App.start(store.config(oneAMinute()), clock)) {
            Http http = new Http(app.port());
            String key = app.bootstrapped().orElseThrow().testKey().key();
            Instant start = clock.instant();
            String first = send(http, key, NUMBER, "+14155553501");
            app.worker().drain();
            String flaky = send(http, key, NUMBER, "+14155550503"); // the sandbox's: unavailable on attempts 1 and 2
            app.worker().drain();
            String later = send(http, key, NUMBER, "+14155553502");
            app.worker().drain();
            clock.advance(Duration.ofMinutes(1)); // the flaky send's slot: unavailable, try again in 1 s
            app.worker().drain();
            clock.advance(Duration.ofSeconds(1));
            app.worker().drain();
            assertThat(status(http, key, flaky)).isEqualTo("queued");
            clock.advance(Duration.ofSeconds(59));
            app.worker().drain();
            assertThat(sentAt(http, key, later)).isEqualTo(start.plusSeconds(120));
            assertThat(status(http, key, flaky)).isEqualTo("queued");
            clock.advance(Duration.ofMinutes(1)); // its second try, in its slot booked anew: unavailable again
            app.worker().drain();
            assertThat(status(http, key, flaky)).isEqualTo("queued");
            clock.advance(Duration.ofSeconds(1)); // books the next slot, at 240 s
            app.worker().drain();
            clock.advance(Duration.ofSeconds(58));
            app.worker().drain();
            assertThat(status(http, key, flaky)).isEqualTo("queued");
            clock.advance(Duration.ofSeconds(1));
            app.worker().drain();
            assertThat(sentAt(http, key, flaky)).isEqualTo(start.plusSeconds(240));
            assertThat(sentAt(http, key, first)).isEqualTo(start);
        }
    }

    /**
     * A paced send's retry window counts from its first booked slot, and that start is kept with its job: a restart
     * between its tries does not lose it. A window of 90 s, one send a minute: the sandbox's {@code …0503}, third in
     * line, has its slot at 120 s, past a window counted from its acceptance (it failed there, without a retry).
     * Unavailable at its slot and again at the slot its retry books (180 s, within 120 s + 90 s), it goes at its third
     * try, at 240 s.
     */
    @Test
    void a_paced_sends_window_counts_from_its_first_slot_across_a_restart() {
        Map<String, String> settings = new java.util.HashMap<>(oneAMinute());
        settings.put("MSGBUBBLES_SEND_RETRY_WINDOW_SECONDS", "90");
        try (TestStore store = newStore()) {
            Instant start = clock.instant();
            String key;
            String flaky;
            try (App app = App.start(store.config(settings), clock)) {
                Http http = new Http(app.port());
                key = app.bootstrapped().orElseThrow().testKey().key();
                send(http, key, NUMBER, "+14155553801");
                app.worker().drain();
                send(http, key, NUMBER, "+14155553802");
                app.worker().drain();
                flaky = send(http, key, NUMBER, "+14155550503"); // books 120 s
                app.worker().drain();
                clock.advance(Duration.ofMinutes(1));
                app.worker().drain();
                clock.advance(Duration.ofMinutes(1)); // its first slot: unavailable, try again in 1 s
                app.worker().drain();
                assertThat(status(http, key, flaky)).as("retried, not failed").isEqualTo("queued");
                clock.advance(Duration.ofSeconds(1)); // books 180 s
                app.worker().drain();
            }
            try (App app = App.start(store.config(settings), clock)) {
                Http http = new Http(app.port());
                clock.advance(Duration.ofSeconds(59)); // unavailable again, within the window: books 240 s
                app.worker().drain();
                clock.advance(Duration.ofSeconds(1));
                app.worker().drain();
                assertThat(status(http, key, flaky)).isEqualTo("queued");
                clock.advance(Duration.ofSeconds(59));
                app.worker().drain();
                assertThat(status(http, key, flaky)).isNotEqualTo("failed");
                assertThat(sentAt(http, key, flaky)).isEqualTo(start.plusSeconds(240));
            }
        }
    }

    /**
     * A scheduled message joins its thread at its time and books a slot like any other send; cancelled while it waits
     * for that slot, the slot goes unused and the sends booked after it keep theirs.
     */
    @Test
    void a_scheduled_send_cancelled_while_it_waits_for_its_booked_slot_leaves_it_unused() {
        try (TestStore store = newStore(); App app = App.start(store.config(oneAMinute()), clock)) {
            Http http = new Http(app.port());
            String key = app.bootstrapped().orElseThrow().testKey().key();
            Instant start = clock.instant();
            send(http, key, NUMBER, "+14155553601");
            Http.Response r = http.postJson("/v1/messages", key, "{\"to\":\"+14155553602\",\"from_handle\":\"" + NUMBER
                    + "\",\"text\":\"x\",\"scheduled_at\":\"" + start.plusSeconds(10) + "\"}");
            assertThat(r.status()).as(r.text()).isEqualTo(202);
            String scheduled = r.json().path("data").path("id").asText();
            app.worker().drain();
            clock.advance(Duration.ofSeconds(10));
            app.worker().drain(); // joins its thread, finds the number busy, books the slot at 60 s
            String after = send(http, key, NUMBER, "+14155553603");
            app.worker().drain(); // books the slot at 120 s
            Http.Response canceled = http.send("DELETE", "/v1/messages/" + scheduled, key, null, null, Map.of());
            assertThat(canceled.status()).as(canceled.text()).isEqualTo(200);
            assertThat(status(http, key, scheduled)).isEqualTo("canceled");
            clock.advance(Duration.ofSeconds(50));
            app.worker().drain();
            assertThat(status(http, key, after)).isEqualTo("queued");
            clock.advance(Duration.ofMinutes(1));
            app.worker().drain();
            assertThat(sentAt(http, key, after)).isEqualTo(start.plusSeconds(120));
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

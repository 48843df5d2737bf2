package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.db.Database;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link NumberPacing} on a real store: the pace of the in-memory pacer it replaced (no burst, no banked burst after
 * idling, precise intervals, a wall clock stepping back costs one slot), now kept in the database, where two pacers
 * (as two processes have) share it; a waiting send books its own slot and comes back once, to it.
 */
abstract class NumberPacingContract {
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
    private TestStore store;
    Database db;

    abstract TestStore newStore();

    @BeforeEach
    void open() {
        store = newStore();
        db = store.open();
    }

    @AfterEach
    void close() {
        db.close();
        store.close();
    }

    NumberPacing pacing(int perMinute) {
        return new NumberPacing(db, db, perMinute, clock.instant()); // a process started now
    }

    /** A send's job as the pacing sees it: the booking its payload notes, if any. */
    static final class Send {
        NumberPacing.Booking booking;
    }

    /** Takes the slot for a send with no booking. */
    Duration take(NumberPacing pacing, String handle) {
        return take(pacing, handle, new Send());
    }

    /**
     * Takes the slot for {@code send}; a wait is also checked against the reschedule handed to the transaction that
     * booked it (due at the slot, rounded up to the millisecond), whose booking {@code send} then notes.
     */
    Duration take(NumberPacing pacing, String handle, Send send) {
        Instant now = clock.instant();
        Instant[] due = new Instant[1];
        NumberPacing.Booking[] booked = new NumberPacing.Booking[1];
        Duration wait = pacing.take(handle, now, send.booking, (tx, at, booking) -> {
            due[0] = at;
            booked[0] = booking;
        });
        if (wait.isZero()) {
            assertThat(due[0]).isNull();
        } else {
            assertThat(due[0]).isAfterOrEqualTo(now.plus(wait)).isBefore(now.plus(wait).plusMillis(1));
            send.booking = booked[0];
        }
        return wait;
    }

    private long rows() {
        return db.read(h -> h.createQuery("SELECT COUNT(*) FROM number_pacing").mapTo(Long.class).one());
    }

    private long nextFree(String handle) {
        return db.read(h -> h.createQuery("SELECT next_free_ns FROM number_pacing WHERE handle = :h").bind("h", handle)
                .mapTo(Long.class).one());
    }

    @Test
    void a_burst_books_consecutive_slots_and_each_send_comes_back_once_to_its_own() {
        NumberPacing pacing = pacing(60);
        assertThat(take(pacing, "n")).isZero();
        Send b = new Send();
        Send c = new Send();
        assertThat(take(pacing, "n", b)).isEqualTo(Duration.ofSeconds(1));
        assertThat(take(pacing, "n", c)).isEqualTo(Duration.ofSeconds(2));
        clock.advance(Duration.ofMillis(400));
        assertThat(take(pacing, "n")).isEqualTo(Duration.ofMillis(2600));
        long booked = nextFree("n");
        clock.advance(Duration.ofMillis(600));
        assertThat(take(pacing, "n", b)).isZero(); // its own slot: nothing more taken
        clock.advance(Duration.ofSeconds(1));
        assertThat(take(pacing, "n", c)).isZero();
        assertThat(nextFree("n")).isEqualTo(booked);
        assertThat(take(pacing, "n")).isEqualTo(Duration.ofSeconds(2)); // after the one booked at 400 ms
    }

    /**
     * Twenty sends waiting behind one number, run as a queue runs them (each when due): every send but the first books
     * once and comes back once, at its slot. Before bookings, each slot woke every send still waiting (210 runs).
     */
    @Test
    void twenty_waiting_sends_run_about_twice_each_and_go_exactly_one_interval_apart() {
        NumberPacing pacing = pacing(60);
        Map<Send, Instant> due = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            due.put(new Send(), clock.instant());
        }
        int runs = 0;
        List<Instant> sent = new ArrayList<>();
        while (!due.isEmpty()) {
            Instant next = due.values().stream().min(Instant::compareTo).orElseThrow();
            if (next.isAfter(clock.instant())) {
                clock.advance(Duration.between(clock.instant(), next));
            }
            for (Send send : List.copyOf(due.keySet())) {
                if (!due.get(send).isAfter(clock.instant())) {
                    runs++;
                    Duration wait = take(pacing, "n", send);
                    if (wait.isZero()) {
                        sent.add(clock.instant());
                        due.remove(send);
                    } else {
                        due.put(send, clock.instant().plus(wait));
                    }
                }
            }
        }
        assertThat(runs).isEqualTo(39);
        for (int i = 1; i < sent.size(); i++) {
            assertThat(Duration.between(sent.get(i - 1), sent.get(i))).isEqualTo(Duration.ofSeconds(1));
        }
    }

    @Test
    void two_pacers_on_one_database_share_a_numbers_slots() {
        NumberPacing one = pacing(60);
        NumberPacing other = pacing(60);
        assertThat(take(one, "+18005550100")).isZero();
        Send waiting = new Send();
        assertThat(take(other, "+18005550100", waiting)).isEqualTo(Duration.ofSeconds(1));
        assertThat(take(one, "+18005550100")).isEqualTo(Duration.ofSeconds(2));
        clock.advance(Duration.ofSeconds(1));
        assertThat(take(one, "+18005550100", waiting)).isZero(); // a booking holds whichever process claims its job
        assertThat(take(other, "+18005550100")).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void of_several_transactions_taking_a_slot_at_once_exactly_one_gets_it() throws Exception {
        NumberPacing pacing = pacing(60);
        int takers = 6;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(takers);
        try {
            for (int round = 0; round < 5; round++) { // the first round races to insert the row, the others to move it
                java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(takers);
                List<java.util.concurrent.Future<Duration>> results = new ArrayList<>();
                for (int i = 0; i < takers; i++) {
                    results.add(pool.submit(() -> {
                        start.await();
                        return take(pacing, "+18005550100");
                    }));
                }
                int taken = 0;
                java.util.Set<Duration> booked = new java.util.HashSet<>();
                for (var result : results) {
                    Duration wait = result.get();
                    taken += wait.isZero() ? 1 : 0;
                    // each of the others booked a slot of its own (or found the row held, PostgreSQL, and comes back)
                    if (!wait.isZero() && !wait.equals(NumberPacing.HELD)) {
                        assertThat(booked.add(wait)).as("round %s: %s booked twice", round, wait).isTrue();
                        assertThat(wait.toNanos() % Duration.ofSeconds(1).toNanos()).isZero();
                    }
                }
                assertThat(taken).as("round %s", round).isEqualTo(1);
                clock.advance(Duration.ofSeconds(10)); // past every booking: free again
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void numbers_are_paced_independently_and_zero_means_unpaced_with_nothing_written() {
        NumberPacing pacing = pacing(60);
        assertThat(take(pacing, "a")).isZero();
        assertThat(take(pacing, "b")).isZero();
        assertThat(rows()).isEqualTo(2);
        NumberPacing unpaced = pacing(0);
        assertThat(unpaced.paced()).isFalse();
        for (int i = 0; i < 100; i++) {
            assertThat(take(unpaced, "c")).isZero();
        }
        assertThat(rows()).isEqualTo(2);
    }

    @Test
    void an_idle_number_does_not_bank_a_burst() {
        NumberPacing pacing = pacing(120);
        assertThat(take(pacing, "k")).isZero();
        clock.advance(Duration.ofMinutes(10));
        assertThat(take(pacing, "k")).isZero();
        assertThat(take(pacing, "k")).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void a_rate_that_does_not_divide_a_minute_into_whole_milliseconds_is_never_exceeded() {
        NumberPacing pacing = pacing(45_000); // a slot every 1.333 ms; in whole ms it was every 1 ms
        for (int i = 0; i < 300; i++) {
            assertThat(take(pacing, "k")).isEqualTo(Duration.ofNanos(1_333_333L * i));
        }
    }

    @Test
    void a_wall_clock_stepping_back_makes_a_number_wait_one_slot_not_the_step() {
        NumberPacing pacing = pacing(60);
        assertThat(take(pacing, "k")).isZero();
        clock.advance(Duration.ofHours(-1)); // an NTP correction, a resumed VM
        Send send = new Send();
        assertThat(take(pacing, "k", send)).isEqualTo(Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(1));
        assertThat(take(pacing, "k", send)).isZero();
        assertThat(take(pacing, "k")).isEqualTo(Duration.ofSeconds(1));
    }

    /**
     * Bookings ahead are not a clock step: a number with a long backlog books after it. Stepped back with bookings
     * ahead, it still books after them, since their jobs come back at their slots on the clock as it now reads.
     */
    @Test
    void bookings_far_ahead_are_kept_also_when_the_wall_clock_steps_back() {
        NumberPacing pacing = pacing(60);
        assertThat(take(pacing, "k")).isZero();
        Send first = new Send();
        for (int i = 1; i <= 30; i++) {
            assertThat(take(pacing, "k", i == 1 ? first : new Send())).isEqualTo(Duration.ofSeconds(i));
        }
        clock.advance(Duration.ofSeconds(10));
        assertThat(take(pacing, "k")).isEqualTo(Duration.ofSeconds(21)); // 30 bookings are not a step
        clock.advance(Duration.ofSeconds(-10).minusHours(1));
        assertThat(take(pacing, "k")).isEqualTo(Duration.ofHours(1).plusSeconds(32));
        clock.advance(Duration.ofHours(1).plusSeconds(1));
        assertThat(take(pacing, "k", first)).isZero();
    }

    /**
     * A booking holds while its slot lasts, also for a job claimed again after its worker died (pace 1 a minute, a
     * lease of 20 s): neither a second slot nor the loss of its own. Long past (the server was down), bookings book
     * anew rather than all sending at once.
     */
    @Test
    void a_booking_holds_while_its_slot_lasts_and_a_long_past_one_books_anew() {
        NumberPacing slow = pacing(1);
        assertThat(take(slow, "s")).isZero();
        Send send = new Send();
        assertThat(take(slow, "s", send)).isEqualTo(Duration.ofMinutes(1));
        long booked = nextFree("s");
        clock.advance(Duration.ofSeconds(80)); // claimed at 60 s, its worker died, claimed again when the lease ended
        assertThat(take(slow, "s", send)).isZero();
        assertThat(nextFree("s")).isEqualTo(booked);

        NumberPacing pacing = pacing(60);
        assertThat(take(pacing, "k")).isZero();
        List<Send> waiting = List.of(new Send(), new Send(), new Send());
        for (int i = 0; i < 3; i++) {
            assertThat(take(pacing, "k", waiting.get(i))).isEqualTo(Duration.ofSeconds(i + 1));
        }
        clock.advance(Duration.ofMinutes(10));
        assertThat(take(pacing, "k", waiting.get(0))).isZero();
        assertThat(take(pacing, "k", waiting.get(1))).isEqualTo(Duration.ofSeconds(1));
        assertThat(take(pacing, "k", waiting.get(2))).isEqualTo(Duration.ofSeconds(2));
        clock.advance(Duration.ofSeconds(1).plus(NumberPacing.LATE).minusNanos(1)); // late, but within LATE
        assertThat(take(pacing, "k", waiting.get(1))).isZero();
    }

    /**
     * A queue running behind brings every booked send back some seconds after its slot. Each books anew once, at the
     * end of the number's bookings, and sends when it comes back from that, late again by the same lag: the number's
     * sends are delayed, not stopped. Before, each return past its slot booked anew, so that as long as the queue ran
     * behind the number sent nothing, its slots passing unused.
     */
    @Test
    void a_queue_running_behind_delays_a_numbers_sends_but_does_not_stop_them() {
        NumberPacing pacing = pacing(60);
        assertThat(take(pacing, "q")).isZero();
        List<Send> waiting = List.of(new Send(), new Send(), new Send(), new Send(), new Send());
        for (int i = 0; i < waiting.size(); i++) {
            assertThat(take(pacing, "q", waiting.get(i))).isEqualTo(Duration.ofSeconds(i + 1));
        }
        // each comes back two seconds after its slot (1 s to 5 s) and books anew, after the others' bookings
        clock.advance(Duration.ofSeconds(2));
        for (int i = 0; i < waiting.size(); i++) {
            clock.advance(Duration.ofSeconds(1));
            assertThat(take(pacing, "q", waiting.get(i))).as("books anew at %d s", 6 + i).isEqualTo(Duration.ofSeconds(3));
            assertThat(waiting.get(i).booking.anew()).isTrue();
        }
        // and comes back two seconds after that slot too: it sends then, one a second
        for (int i = 0; i < waiting.size(); i++) {
            clock.advance(Duration.ofSeconds(1));
            assertThat(take(pacing, "q", waiting.get(i))).as("late again: the queue's lag, not a downtime").isZero();
        }
        assertThat(NumberPacing.Booking.of(waiting.get(0).booking.payload())).isEqualTo(waiting.get(0).booking);
        assertThat(NumberPacing.Booking.of(new NumberPacing.Booking(42, false).payload()))
                .isEqualTo(new NumberPacing.Booking(42, false));
    }

    /**
     * A booking made anew holds however late it comes back only while the process that claims it was up at its slot
     * (the queue ran behind). A server down again before the slots booked anew after its last restart came must not
     * send, once back, all those that passed meanwhile at once: they book anew once more. Before, the restart after the
     * second minute down sent the four below together.
     */
    @Test
    void bookings_made_anew_are_not_all_sent_together_after_the_server_was_down_again() {
        NumberPacing pacing = pacing(60);
        assertThat(take(pacing, "d")).isZero();
        List<Send> waiting = List.of(new Send(), new Send(), new Send(), new Send(), new Send());
        for (Send send : waiting) {
            take(pacing, "d", send);
        }
        clock.advance(Duration.ofMinutes(1)); // down for a minute: all five slots pass
        NumberPacing restarted = pacing(60);
        List<Duration> waits = new ArrayList<>();
        for (Send send : waiting) {
            waits.add(take(restarted, "d", send));
        }
        assertThat(waits).as("one sends at once, the others book anew")
                .containsExactly(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(3),
                        Duration.ofSeconds(4));
        List<Send> anew = waiting.subList(1, waiting.size());
        assertThat(anew).allMatch(send -> send.booking.anew());
        clock.advance(Duration.ofMinutes(1)); // down again before those slots came
        NumberPacing again = pacing(60);
        waits.clear();
        for (Send send : anew) {
            waits.add(take(again, "d", send));
        }
        assertThat(waits).as("again one sends at once, the others book anew")
                .containsExactly(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(3));
        clock.advance(Duration.ofSeconds(5)); // the queue behind: still up at their slots, they hold however late
        for (Send send : anew.subList(1, anew.size())) {
            assertThat(take(again, "d", send)).isZero();
        }
    }

    /**
     * As the README says of a changed pace: it applies to slots booked from the restart on; a send that booked its
     * slot at the old pace keeps it, and the next booking comes after the old ones at the new interval.
     */
    @Test
    void a_changed_pace_applies_to_slots_booked_after_it() {
        NumberPacing before = pacing(60);
        assertThat(take(before, "c")).isZero();
        Send booked = new Send();
        assertThat(take(before, "c", booked)).isEqualTo(Duration.ofSeconds(1));
        NumberPacing after = pacing(6); // restarted with a slower pace
        clock.advance(Duration.ofSeconds(1));
        assertThat(take(after, "c", booked)).as("its slot at the old pace").isZero();
        assertThat(take(after, "c")).isEqualTo(Duration.ofSeconds(1)); // the old booking's interval, then the new
        assertThat(take(after, "c")).isEqualTo(Duration.ofSeconds(11));
    }

    @Test
    void a_job_that_booked_a_slot_comes_back_no_earlier_than_the_slot() {
        long now = Instant.parse("2026-11-23T10:00:00.000400Z").toEpochMilli() * 1_000_000L + 400_000L;
        assertThat(NumberPacing.due(now + 1_333_333)).isEqualTo(Instant.parse("2026-11-23T10:00:00.002Z"));
        assertThat(NumberPacing.due(Instant.parse("2026-11-23T10:00:01Z").toEpochMilli() * 1_000_000L))
                .isEqualTo(Instant.parse("2026-11-23T10:00:01Z"));
    }
}

package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.db.Database;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link NumberPacing} on a real store: the pace of the in-memory pacer it replaced (no burst, no banked burst after
 * idling, precise intervals, a wall clock stepping back costs one slot), now kept in the database, where two pacers
 * (as two processes have) share it.
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
        return new NumberPacing(db, db, perMinute);
    }

    /** Takes the slot; a wait is also checked against the one handed to the transaction that found the slot taken. */
    Duration take(NumberPacing pacing, String handle) {
        Duration[] told = new Duration[1];
        Duration wait = pacing.take(handle, clock.instant(), (tx, w) -> told[0] = w);
        assertThat(told[0]).isEqualTo(wait.isZero() ? null : wait);
        return wait;
    }

    private long rows() {
        return db.read(h -> h.createQuery("SELECT COUNT(*) FROM number_pacing").mapTo(Long.class).one());
    }

    @Test
    void spaces_sends_evenly_without_a_burst() {
        NumberPacing pacing = pacing(60);
        assertThat(take(pacing, "+18005550100")).isZero();
        assertThat(take(pacing, "+18005550100")).isEqualTo(Duration.ofSeconds(1));
        clock.advance(Duration.ofMillis(400));
        assertThat(take(pacing, "+18005550100")).isEqualTo(Duration.ofMillis(600));
        clock.advance(Duration.ofMillis(600));
        assertThat(take(pacing, "+18005550100")).isZero();
        assertThat(take(pacing, "+18005550100")).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void two_pacers_on_one_database_share_a_numbers_slots() {
        NumberPacing one = pacing(60);
        NumberPacing other = pacing(60);
        assertThat(take(one, "+18005550100")).isZero();
        assertThat(take(other, "+18005550100")).isEqualTo(Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(1));
        assertThat(take(other, "+18005550100")).isZero();
        assertThat(take(one, "+18005550100")).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void of_several_transactions_taking_a_slot_at_once_exactly_one_gets_it() throws Exception {
        NumberPacing pacing = pacing(60);
        int takers = 6;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(takers);
        try {
            for (int round = 0; round < 5; round++) { // the first round races to insert the row, the others to move it
                java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(takers);
                java.util.List<java.util.concurrent.Future<Duration>> results = new java.util.ArrayList<>();
                for (int i = 0; i < takers; i++) {
                    results.add(pool.submit(() -> {
                        start.await();
                        return take(pacing, "+18005550100");
                    }));
                }
                int taken = 0;
                for (var result : results) {
                    Duration wait = result.get();
                    taken += wait.isZero() ? 1 : 0;
                    assertThat(wait).isLessThanOrEqualTo(Duration.ofSeconds(1));
                }
                assertThat(taken).as("round %s", round).isEqualTo(1);
                clock.advance(Duration.ofSeconds(1));
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
        assertThat(take(pacing, "k")).isZero();
        assertThat(take(pacing, "k")).isEqualTo(Duration.ofNanos(1_333_333));
        int sent = 1;
        Instant end = clock.instant().plus(Duration.ofMillis(400)); // 300 slots at most
        while (clock.instant().isBefore(end)) {
            if (take(pacing, "k").isZero()) {
                sent++;
            } else {
                clock.advance(Duration.ofMillis(1)); // the clock moves in milliseconds, as the system clock does
            }
        }
        assertThat(sent).isPositive().isLessThanOrEqualTo(300);
    }

    @Test
    void a_wall_clock_stepping_back_makes_a_number_wait_one_slot_not_the_step() {
        NumberPacing pacing = pacing(60);
        assertThat(take(pacing, "k")).isZero();
        clock.advance(Duration.ofHours(-1)); // an NTP correction, a resumed VM
        assertThat(take(pacing, "k")).isEqualTo(Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(1));
        assertThat(take(pacing, "k")).isZero();
        assertThat(take(pacing, "k")).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void a_job_that_found_the_slot_taken_comes_back_no_earlier_than_the_slot() {
        Instant now = Instant.parse("2026-11-23T10:00:00.000400Z");
        assertThat(NumberPacing.due(now, Duration.ofNanos(1_333_333))).isEqualTo(Instant.parse("2026-11-23T10:00:00.002Z"));
        assertThat(NumberPacing.due(Instant.parse("2026-11-23T10:00:00Z"), Duration.ofSeconds(1)))
                .isEqualTo(Instant.parse("2026-11-23T10:00:01Z"));
    }
}

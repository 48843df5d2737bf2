package dev.msgbubbles.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.support.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PacerTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));

    @Test
    void spaces_events_evenly_without_a_burst() {
        Pacer pacer = new Pacer(clock, 60);
        assertThat(pacer.acquire("+18005550100")).isZero();
        assertThat(pacer.acquire("+18005550100")).isEqualTo(Duration.ofSeconds(1));
        clock.advance(Duration.ofMillis(400));
        assertThat(pacer.acquire("+18005550100")).isEqualTo(Duration.ofMillis(600));
        clock.advance(Duration.ofMillis(600));
        assertThat(pacer.acquire("+18005550100")).isZero();
        assertThat(pacer.acquire("+18005550100")).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void keys_are_paced_independently_and_zero_means_unpaced() {
        Pacer pacer = new Pacer(clock, 60);
        assertThat(pacer.acquire("a")).isZero();
        assertThat(pacer.acquire("b")).isZero();
        Pacer unpaced = new Pacer(clock, 0);
        for (int i = 0; i < 100; i++) {
            assertThat(unpaced.acquire("a")).isZero();
        }
    }

    @Test
    void an_idle_key_does_not_bank_a_burst() {
        Pacer pacer = new Pacer(clock, 120);
        assertThat(pacer.acquire("k")).isZero();
        clock.advance(Duration.ofMinutes(10));
        assertThat(pacer.acquire("k")).isZero();
        assertThat(pacer.acquire("k")).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void a_rate_that_does_not_divide_a_minute_into_whole_milliseconds_is_never_exceeded() {
        Pacer pacer = new Pacer(clock, 45_000); // a slot every 1.333 ms; it was every 1 ms (60,000 a minute)
        assertThat(pacer.acquire("k")).isZero();
        assertThat(pacer.acquire("k")).isEqualTo(Duration.ofNanos(1_333_333));
        int sent = 1;
        Instant end = clock.instant().plus(Duration.ofMinutes(1));
        while (clock.instant().isBefore(end)) {
            if (pacer.acquire("k").isZero()) {
                sent++;
            } else {
                clock.advance(Duration.ofMillis(1)); // the clock moves in milliseconds, as the system clock does
            }
        }
        assertThat(sent).isPositive().isLessThanOrEqualTo(45_000);
    }

    @Test
    void a_wall_clock_stepping_back_makes_a_number_wait_one_slot_not_the_step() {
        Pacer pacer = new Pacer(clock, 60);
        assertThat(pacer.acquire("k")).isZero();
        clock.advance(Duration.ofHours(-1)); // an NTP correction, a resumed VM
        assertThat(pacer.acquire("k")).isEqualTo(Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(1));
        assertThat(pacer.acquire("k")).isZero();
        assertThat(pacer.acquire("k")).isEqualTo(Duration.ofSeconds(1));
    }
}

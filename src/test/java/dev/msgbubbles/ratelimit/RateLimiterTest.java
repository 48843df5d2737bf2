package dev.msgbubbles.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.support.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-06-11T18:21:04Z"));
    private final RateLimiter limiter = new RateLimiter(clock, 5);

    @Test
    void allows_a_burst_of_the_full_budget_counting_remaining_down() {
        for (int expected = 4; expected >= 0; expected--) {
            RateLimiter.Decision decision = limiter.tryAcquire("key:a");
            assertThat(decision.allowed()).isTrue();
            assertThat(decision.remaining()).isEqualTo(expected);
            assertThat(decision.limit()).isEqualTo(5);
            assertThat(decision.retryAfterSeconds()).isZero();
        }
    }

    @Test
    void denies_once_the_budget_is_spent_with_a_retry_after() {
        exhaust("key:a");

        RateLimiter.Decision denied = limiter.tryAcquire("key:a");

        assertThat(denied.allowed()).isFalse();
        assertThat(denied.remaining()).isZero();
        assertThat(denied.limit()).isEqualTo(5);
        assertThat(denied.retryAfterSeconds()).isGreaterThanOrEqualTo(1).isEqualTo(12);
        assertThat(denied.resetSeconds()).isEqualTo(60);
    }

    @Test
    void reset_seconds_is_time_until_full_and_grows_as_tokens_are_consumed() {
        assertThat(limiter.tryAcquire("key:a").resetSeconds()).isEqualTo(12);
        assertThat(limiter.tryAcquire("key:a").resetSeconds()).isEqualTo(24);
        assertThat(limiter.tryAcquire("key:a").resetSeconds()).isEqualTo(36);
        assertThat(limiter.tryAcquire("key:a").resetSeconds()).isEqualTo(48);
        assertThat(limiter.tryAcquire("key:a").resetSeconds()).isEqualTo(60);
    }

    @Test
    void retry_after_shrinks_as_time_passes() {
        exhaust("key:a");
        clock.advance(Duration.ofSeconds(5));

        RateLimiter.Decision denied = limiter.tryAcquire("key:a");

        assertThat(denied.allowed()).isFalse();
        assertThat(denied.retryAfterSeconds()).isEqualTo(7);
    }

    @Test
    void retry_after_is_at_least_one_second_just_before_the_refill() {
        exhaust("key:a");
        clock.advance(Duration.ofMillis(11_999));

        RateLimiter.Decision denied = limiter.tryAcquire("key:a");

        assertThat(denied.allowed()).isFalse();
        assertThat(denied.retryAfterSeconds()).isEqualTo(1);
    }

    @Test
    void twelve_seconds_refill_exactly_one_token() {
        exhaust("key:a");
        clock.advance(Duration.ofSeconds(12));

        RateLimiter.Decision next = limiter.tryAcquire("key:a");
        RateLimiter.Decision after = limiter.tryAcquire("key:a");

        assertThat(next.allowed()).isTrue();
        assertThat(next.remaining()).isZero();
        assertThat(after.allowed()).isFalse();
    }

    @Test
    void a_minute_restores_the_whole_budget_but_no_more() {
        exhaust("key:a");
        clock.advance(Duration.ofSeconds(60));

        for (int expected = 4; expected >= 0; expected--) {
            RateLimiter.Decision decision = limiter.tryAcquire("key:a");
            assertThat(decision.allowed()).isTrue();
            assertThat(decision.remaining()).isEqualTo(expected);
        }
        assertThat(limiter.tryAcquire("key:a").allowed()).isFalse();
    }

    @Test
    void a_long_idle_period_does_not_accumulate_beyond_capacity() {
        limiter.tryAcquire("key:a");
        clock.advance(Duration.ofMinutes(30)); // longer than the bucket cache's idle expiry, too

        RateLimiter.Decision first = limiter.tryAcquire("key:a");

        assertThat(first.remaining()).isEqualTo(4);
        exhaust("key:a", 4);
        assertThat(limiter.tryAcquire("key:a").allowed()).isFalse();
    }

    @Test
    void callers_have_independent_buckets() {
        exhaust("key:a");

        RateLimiter.Decision other = limiter.tryAcquire("key:b");

        assertThat(limiter.tryAcquire("key:a").allowed()).isFalse();
        assertThat(other.allowed()).isTrue();
        assertThat(other.remaining()).isEqualTo(4);
    }

    @Test
    void limit_reports_the_configured_budget() {
        RateLimiter big = new RateLimiter(clock, 120);

        RateLimiter.Decision decision = big.tryAcquire("key:a");

        assertThat(decision.limit()).isEqualTo(120);
        assertThat(decision.remaining()).isEqualTo(119);
        assertThat(decision.resetSeconds()).as("60/120 s rounded up").isEqualTo(1);
    }

    private void exhaust(String caller) {
        exhaust(caller, 5);
    }

    private void exhaust(String caller, int times) {
        for (int i = 0; i < times; i++) {
            assertThat(limiter.tryAcquire(caller).allowed()).as("acquisition %d", i + 1).isTrue();
        }
    }

    @Test
    void a_wall_clock_stepping_back_does_not_lock_a_caller_out_for_the_step() {
        for (int i = 0; i < 5; i++) {
            limiter.tryAcquire("k");
        }
        assertThat(limiter.tryAcquire("k").allowed()).isFalse();
        clock.advance(Duration.ofHours(-1)); // an NTP correction, a resumed VM
        limiter.tryAcquire("another caller"); // the limiter sees the step (any request does; time up to then is lost)
        clock.advance(Duration.ofSeconds(12)); // then time goes on: one token's worth
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();
        assertThat(limiter.tryAcquire("k").allowed()).isFalse();
        clock.advance(Duration.ofMinutes(1));
        assertThat(limiter.tryAcquire("k").remaining()).isEqualTo(4);
    }
}

package dev.msgbubbles.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.support.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-06-11T18:21:04Z"));
    private final RateLimiter limiter = new RateLimiter(clock, 5);
    private static final UUID A = UUID.fromString("0192a0c0-0000-7000-8000-00000000000a");
    private static final UUID B = UUID.fromString("0192a0c0-0000-7000-8000-00000000000b");

    @Test
    void allows_a_burst_of_the_full_budget_counting_remaining_down() {
        for (int expected = 4; expected >= 0; expected--) {
            RateLimiter.Decision decision = tryAcquire(A);
            assertThat(decision.allowed()).isTrue();
            assertThat(decision.remaining()).isEqualTo(expected);
            assertThat(decision.limit()).isEqualTo(5);
            assertThat(decision.retryAfterSeconds()).isZero();
        }
    }

    @Test
    void denies_once_the_budget_is_spent_with_a_retry_after() {
        exhaust(A);

        RateLimiter.Decision denied = tryAcquire(A);

        assertThat(denied.allowed()).isFalse();
        assertThat(denied.remaining()).isZero();
        assertThat(denied.limit()).isEqualTo(5);
        assertThat(denied.retryAfterSeconds()).isGreaterThanOrEqualTo(1).isEqualTo(12);
        assertThat(denied.resetSeconds()).isEqualTo(60);
    }

    @Test
    void reset_seconds_is_time_until_full_and_grows_as_tokens_are_consumed() {
        assertThat(tryAcquire(A).resetSeconds()).isEqualTo(12);
        assertThat(tryAcquire(A).resetSeconds()).isEqualTo(24);
        assertThat(tryAcquire(A).resetSeconds()).isEqualTo(36);
        assertThat(tryAcquire(A).resetSeconds()).isEqualTo(48);
        assertThat(tryAcquire(A).resetSeconds()).isEqualTo(60);
    }

    @Test
    void retry_after_shrinks_as_time_passes() {
        exhaust(A);
        clock.advance(Duration.ofSeconds(5));

        RateLimiter.Decision denied = tryAcquire(A);

        assertThat(denied.allowed()).isFalse();
        assertThat(denied.retryAfterSeconds()).isEqualTo(7);
    }

    @Test
    void retry_after_is_at_least_one_second_just_before_the_refill() {
        exhaust(A);
        clock.advance(Duration.ofMillis(11_999));

        RateLimiter.Decision denied = tryAcquire(A);

        assertThat(denied.allowed()).isFalse();
        assertThat(denied.retryAfterSeconds()).isEqualTo(1);
    }

    @Test
    void twelve_seconds_refill_exactly_one_token() {
        exhaust(A);
        clock.advance(Duration.ofSeconds(12));

        RateLimiter.Decision next = tryAcquire(A);
        RateLimiter.Decision after = tryAcquire(A);

        assertThat(next.allowed()).isTrue();
        assertThat(next.remaining()).isZero();
        assertThat(after.allowed()).isFalse();
    }

    @Test
    void a_minute_restores_the_whole_budget_but_no_more() {
        exhaust(A);
        clock.advance(Duration.ofSeconds(60));

        for (int expected = 4; expected >= 0; expected--) {
            RateLimiter.Decision decision = tryAcquire(A);
            assertThat(decision.allowed()).isTrue();
            assertThat(decision.remaining()).isEqualTo(expected);
        }
        assertThat(tryAcquire(A).allowed()).isFalse();
    }

    @Test
    void a_long_idle_period_does_not_accumulate_beyond_capacity() {
        tryAcquire(A);
        clock.advance(Duration.ofMinutes(30)); // longer than the bucket cache's idle expiry, too

        RateLimiter.Decision first = tryAcquire(A);

        assertThat(first.remaining()).isEqualTo(4);
        exhaust(A, 4);
        assertThat(tryAcquire(A).allowed()).isFalse();
    }

    @Test
    void callers_have_independent_buckets() {
        exhaust(A);

        RateLimiter.Decision other = tryAcquire(B);

        assertThat(tryAcquire(A).allowed()).isFalse();
        assertThat(other.allowed()).isTrue();
        assertThat(other.remaining()).isEqualTo(4);
    }

    @Test
    void limit_reports_the_configured_budget() {
        RateLimiter big = new RateLimiter(clock, 120);

        RateLimiter.Decision decision = big.chargeKey(A);

        assertThat(decision.limit()).isEqualTo(120);
        assertThat(decision.remaining()).isEqualTo(119);
        assertThat(decision.resetSeconds()).as("60/120 s rounded up").isEqualTo(1);
    }

    private RateLimiter.Decision tryAcquire(UUID key) {
        return limiter.chargeKey(key);
    }

    private void exhaust(UUID caller) {
        exhaust(caller, 5);
    }

    private void exhaust(UUID caller, int times) {
        for (int i = 0; i < times; i++) {
            assertThat(limiter.chargeKey(caller).allowed()).as("acquisition %d", i + 1).isTrue();
        }
    }

    @Test
    void a_wall_clock_stepping_back_does_not_lock_a_caller_out_for_the_step() {
        for (int i = 0; i < 5; i++) {
            tryAcquire(A);
        }
        assertThat(tryAcquire(A).allowed()).isFalse();
        clock.advance(Duration.ofHours(-1)); // an NTP correction, a resumed VM
        tryAcquire(B); // the limiter sees the step (any request does; time up to then is lost)
        clock.advance(Duration.ofSeconds(12)); // then time goes on: one token's worth
        assertThat(tryAcquire(A).allowed()).isTrue();
        assertThat(tryAcquire(A).allowed()).isFalse();
        clock.advance(Duration.ofMinutes(1));
        assertThat(tryAcquire(A).remaining()).isEqualTo(4);
    }

    @Test
    void a_flood_of_addresses_does_not_evict_a_key_bucket_and_so_does_not_refill_its_budget() throws Exception {
        RateLimiter small = new RateLimiter(clock, 5, 100, 100);
        for (int i = 0; i < 5; i++) {
            small.chargeKey(A);
        }
        assertThat(small.chargeKey(A).allowed()).isFalse();

        // failed authentications from 10,000 addresses, each guessing until refused (as a guesser with a range would)
        for (int host = 0; host < 10_000; host++) {
            InetAddress address = InetAddress.getByAddress(new byte[] {10, 1, (byte) (host >> 8), (byte) host});
            for (int guess = 0; guess < 6; guess++) {
                small.chargeAddress(address);
            }
        }

        assertThat(small.chargeKey(A).allowed()).as("the key's spent budget is kept").isFalse();
    }

    @Test
    void ipv6_addresses_are_charged_by_their_64_bit_prefix() throws UnknownHostException {
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.chargeAddress(InetAddress.getByName("2001:db8:1:2::" + Integer.toHexString(i + 1))).allowed()).isTrue();
        }
        assertThat(limiter.chargeAddress(InetAddress.getByName("2001:db8:1:2:ffff:eeee:dddd:cccc")).allowed())
                .as("the same /64").isFalse();
        assertThat(limiter.chargeAddress(InetAddress.getByName("2001:db8:1:3::1")).allowed()).as("another /64").isTrue();
        assertThat(RateLimiter.addressKey(InetAddress.getByName("2001:db8:1:2::9"))).isEqualTo("2001:db8:1:2::/64");
        assertThat(RateLimiter.addressKey(InetAddress.getByName("192.0.2.7"))).isEqualTo("192.0.2.7");
        assertThat(limiter.chargeAddress(InetAddress.getByName("192.0.2.7")).allowed()).isTrue();
    }

    @Test
    void peeking_at_an_address_takes_no_token_and_says_when_it_is_over_budget() throws UnknownHostException {
        InetAddress address = InetAddress.getByName("192.0.2.9");
        assertThat(limiter.peekAddress(address).allowed()).as("never charged").isTrue();
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.peekAddress(address).allowed()).isTrue();
            limiter.chargeAddress(address);
        }
        RateLimiter.Decision over = limiter.peekAddress(address);
        assertThat(over.allowed()).isFalse();
        assertThat(over.remaining()).isZero();
        assertThat(over.retryAfterSeconds()).isEqualTo(12);
        clock.advance(Duration.ofSeconds(12));
        assertThat(limiter.peekAddress(address).allowed()).isTrue();
        assertThat(limiter.peekAddress(address).allowed()).as("peeking took nothing").isTrue();
        assertThat(limiter.chargeAddress(address).allowed()).isTrue();
        assertThat(limiter.peekAddress(address).allowed()).isFalse();
    }
}

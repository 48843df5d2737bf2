package dev.msgbubbles.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RetryPolicyTest {
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    private final RetryPolicy exact = new RetryPolicy(RetryPolicy.DEFAULT_SCHEDULE, 0);

    private static RetryPolicy.Answer status(int code) {
        return new RetryPolicy.Answer.Response(code, Optional.empty(), null);
    }

    private RetryPolicy.Verdict judge(RetryPolicy policy, RetryPolicy.Answer answer, int step, double random) {
        return policy.judge(answer, step, true, NOW, () -> random);
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 201, 202, 204, 299})
    void a_2xx_succeeds(int code) {
        assertThat(judge(exact, status(code), 0, 0.5)).isInstanceOf(RetryPolicy.Verdict.Succeeded.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {408, 429, 500, 502, 503, 504, 599})
    void timeouts_throttling_and_server_errors_are_retried(int code) {
        assertThat(judge(exact, status(code), 0, 0.5)).isEqualTo(new RetryPolicy.Verdict.Retry(Duration.ofSeconds(5), "HTTP " + code));
    }

    @ParameterizedTest
    @ValueSource(ints = {100, 301, 302, 307, 400, 401, 403, 404, 410, 422})
    void other_answers_are_final(int code) {
        assertThat(judge(exact, status(code), 0, 0.5)).isInstanceOfSatisfying(RetryPolicy.Verdict.Failed.class,
                f -> assertThat(f.exhausted()).isFalse());
    }

    @Test
    void no_answer_is_retried() {
        assertThat(judge(exact, new RetryPolicy.Answer.NoResponse("timed out"), 3, 0.5))
                .isEqualTo(new RetryPolicy.Verdict.Retry(Duration.ofMinutes(30), "timed out"));
    }

    @Test
    void the_documented_schedule_is_walked_step_by_step_and_then_exhausted() {
        List<Duration> expected = List.of(Duration.ofSeconds(5), Duration.ofMinutes(1), Duration.ofMinutes(5),
                Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(6), Duration.ofHours(12),
                Duration.ofHours(24), Duration.ofHours(24), Duration.ofHours(24));
        for (int step = 0; step < expected.size(); step++) {
            assertThat(judge(exact, status(500), step, 0.5)).isEqualTo(new RetryPolicy.Verdict.Retry(expected.get(step), "HTTP 500"));
        }
        assertThat(judge(exact, status(500), 10, 0.5)).isInstanceOfSatisfying(RetryPolicy.Verdict.Failed.class,
                f -> assertThat(f.exhausted()).isTrue());
    }

    @Test
    void jitter_varies_a_delay_by_at_most_its_fraction_either_way() {
        RetryPolicy jittered = new RetryPolicy(RetryPolicy.DEFAULT_SCHEDULE, 0.2);
        assertThat(judge(jittered, status(500), 1, 0.0)).isEqualTo(new RetryPolicy.Verdict.Retry(Duration.ofSeconds(48), "HTTP 500"));
        assertThat(judge(jittered, status(500), 1, 0.5)).isEqualTo(new RetryPolicy.Verdict.Retry(Duration.ofSeconds(60), "HTTP 500"));
        assertThat(judge(jittered, status(500), 1, 0.999999)).isInstanceOfSatisfying(RetryPolicy.Verdict.Retry.class,
                r -> assertThat(r.delay()).isBetween(Duration.ofSeconds(71), Duration.ofSeconds(72)));
    }

    @Test
    void retry_after_lengthens_a_delay_up_to_the_longest_step_and_never_shortens_it() {
        var seconds = new RetryPolicy.Answer.Response(503, Optional.of("120"), null);
        assertThat(judge(exact, seconds, 0, 0.5)).isEqualTo(new RetryPolicy.Verdict.Retry(Duration.ofSeconds(120), "HTTP 503"));
        var shorter = new RetryPolicy.Answer.Response(429, Optional.of("1"), null);
        assertThat(judge(exact, shorter, 1, 0.5)).isEqualTo(new RetryPolicy.Verdict.Retry(Duration.ofMinutes(1), "HTTP 429"));
        var huge = new RetryPolicy.Answer.Response(429, Optional.of("999999999"), null);
        assertThat(judge(exact, huge, 0, 0.5)).isEqualTo(new RetryPolicy.Verdict.Retry(Duration.ofHours(24), "HTTP 429"));
        var date = new RetryPolicy.Answer.Response(503, Optional.of("Mon, 23 Nov 2026 12:10:00 GMT"), null);
        assertThat(judge(exact, date, 0, 0.5)).isEqualTo(new RetryPolicy.Verdict.Retry(Duration.ofMinutes(10), "HTTP 503"));
        var junk = new RetryPolicy.Answer.Response(503, Optional.of("soon"), null);
        assertThat(judge(exact, junk, 0, 0.5)).isEqualTo(new RetryPolicy.Verdict.Retry(Duration.ofSeconds(5), "HTTP 503"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"9999999999", "18446744073709551616", "000000000000000000000000000000000086400"})
    void retry_after_of_any_number_of_digits_is_read_and_capped_at_the_longest_step(String seconds) {
        // RFC 9110 bounds delay-seconds by nothing; an endpoint asking for a very long pause gets the longest step,
        // not the schedule's next (and shortest) one
        var asked = new RetryPolicy.Answer.Response(503, Optional.of(seconds), null);
        assertThat(judge(exact, asked, 0, 0.5)).isEqualTo(new RetryPolicy.Verdict.Retry(Duration.ofHours(24), "HTTP 503"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Mon, 23 Nov 2026 12:10:00 GMT", "Monday, 23-Nov-26 12:10:00 GMT", "Mon Nov 23 12:10:00 2026"})
    void retry_after_is_read_in_each_of_the_three_http_date_formats(String date) {
        // RFC 9110 5.6.7: a recipient MUST accept IMF-fixdate, the obsolete RFC 850 form and asctime's
        var asked = new RetryPolicy.Answer.Response(503, Optional.of(date), null);
        assertThat(judge(exact, asked, 0, 0.5)).isEqualTo(new RetryPolicy.Verdict.Retry(Duration.ofMinutes(10), "HTTP 503"));
    }

    @Test
    void an_rfc_850_year_more_than_fifty_years_ahead_is_read_as_a_century_earlier() {
        // "23-Nov-77" in 2026 is 1977 (2077 would be more than 50 years ahead), a date passed: the schedule's own delay stands
        var old = new RetryPolicy.Answer.Response(503, Optional.of("Wednesday, 23-Nov-77 12:10:00 GMT"), null);
        assertThat(RetryPolicy.retryAfter("Wednesday, 23-Nov-77 12:10:00 GMT", NOW)).contains(Duration.ZERO);
        assertThat(judge(exact, old, 0, 0.5)).isEqualTo(new RetryPolicy.Verdict.Retry(Duration.ofSeconds(5), "HTTP 503"));
        assertThat(RetryPolicy.retryAfter("Saturday, 23-Nov-75 12:10:00 GMT", NOW)).as("2075, 49 years ahead")
                .contains(Duration.between(NOW, Instant.parse("2075-11-23T12:10:00Z")));
    }

    @Test
    void without_retries_a_failure_is_final_at_once() {
        assertThat(exact.judge(status(503), 0, false, NOW, () -> 0.5)).isInstanceOfSatisfying(
                RetryPolicy.Verdict.Failed.class, f -> assertThat(f.exhausted()).isFalse());
    }
}

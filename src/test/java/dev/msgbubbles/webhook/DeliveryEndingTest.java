package dev.msgbubbles.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How an attempt's hold on its slots ended ({@link DeliveryJob#ending}), which sets its endpoint's limit. */
class DeliveryEndingTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final RetryPolicy.Answer OK = new RetryPolicy.Answer.Response(200, Optional.empty(), null);
    private static final RetryPolicy.Answer NONE = new RetryPolicy.Answer.NoResponse("timed out after 10000 ms");

    private static Slots.Ending ending(RetryPolicy.Answer answer, Duration took) {
        return DeliveryJob.ending(Optional.of(new Courier.Sent(answer, took)), TIMEOUT);
    }

    @Test
    void no_answer_for_half_the_timeout_or_more_is_hung_and_a_quick_failure_is_not() {
        assertThat(ending(NONE, Duration.ofSeconds(5))).isEqualTo(Slots.Ending.HUNG);
        assertThat(ending(NONE, Duration.ofSeconds(10))).isEqualTo(Slots.Ending.HUNG);
        assertThat(ending(NONE, Duration.ofMillis(40))).isEqualTo(Slots.Ending.IN_TIME);
    }

    @Test
    void an_answer_is_in_time_however_late_unless_its_body_was_still_coming_at_the_timeout() {
        assertThat(ending(OK, Duration.ofMillis(40))).isEqualTo(Slots.Ending.IN_TIME);
        assertThat(ending(OK, Duration.ofSeconds(9))).isEqualTo(Slots.Ending.IN_TIME);
        // its status came, its body was cut off at the deadline: the endpoint held the slot to the end
        assertThat(ending(OK, Duration.ofMillis(10_050))).isEqualTo(Slots.Ending.HUNG);
    }

    @Test
    void an_attempt_not_made_leaves_the_limit_alone() {
        assertThat(DeliveryJob.ending(Optional.empty(), TIMEOUT)).isEqualTo(Slots.Ending.NOT_SENT);
    }
}

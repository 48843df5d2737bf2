package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.channel.OutboundMessage;
import dev.msgbubbles.channel.SendResult;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * {@code msgbubbles_sends_total{outcome}} for the paths the sandbox cannot take over HTTP (MessagingEndToEndContract
 * has sent, retrying and failed from it): a fallback from iMessage to SMS counts once, as what came of the SMS; a
 * send whose run throws counts as retrying while the worker retries it and as failed once its window is over.
 */
class SendOutcomesIT {
    private static final Duration WINDOW = Duration.ofMinutes(2);
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));

    /**
     * A backend answering every send with {@code answer} (which may throw); the rest as {@link RecordingChannel}
     * (every handle here is on iMessage).
     */
    private static final class Scripted extends RecordingChannel {
        private final Function<OutboundMessage, SendResult> answer;

        Scripted(Function<OutboundMessage, SendResult> answer) {
            this.answer = answer;
        }

        @Override
        public SendResult send(OutboundMessage message) {
            return answer.apply(message);
        }
    }

    private interface Body {
        void run(MessagingRig rig);
    }

    private void with(Function<OutboundMessage, SendResult> answer, Body body) {
        try (TestStore store = TestStore.sqlite(); Database db = store.open()) {
            body.run(MessagingRig.start(db, clock, new Scripted(answer), EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS),
                    null, WINDOW));
        }
    }

    private static UUID send(MessagingRig rig, String to) {
        return rig.messaging().send().send(new SendMessage.Command(rig.principal(), null, "fp-" + UUID.randomUUID(), to,
                MessagingRig.NUMBER, null, "hello", null, null, null, null, null, null, null)).message().id();
    }

    private static Map<String, Double> counts(MessagingRig rig) {
        Map<String, Double> counts = new java.util.HashMap<>();
        for (String outcome : List.of("sent", "retrying", "failed")) {
            counts.put(outcome, rig.registry().get("msgbubbles.sends").tag("outcome", outcome).counter().count());
        }
        return counts;
    }

    private static String status(MessagingRig rig, UUID id) {
        return rig.messaging().messages().get(rig.principal(), id, true).status();
    }

    @Test
    void a_fallback_to_sms_counts_once_as_what_came_of_the_sms() {
        with(message -> message.channel() == ChannelType.IMESSAGE
                ? new SendResult.Rejected("not_registered", "handle de-registered from iMessage")
                : message.to().endsWith("0666") ? new SendResult.Rejected("recipient_unreachable", "no")
                : new SendResult.Accepted(message.channel(), "ref", List.of()), rig -> {
            UUID sent = send(rig, "+14155550123");
            UUID refused = send(rig, "+14155550666");
            rig.drain();
            assertThat(status(rig, sent)).isEqualTo("sent");
            assertThat(status(rig, refused)).isEqualTo("failed");
            assertThat(counts(rig)).containsExactlyInAnyOrderEntriesOf(Map.of("failed", 1.0, "retrying", 0.0, "sent", 1.0));
        });
    }

    @Test
    void a_send_whose_run_throws_counts_as_retrying_then_as_failed_once_its_window_is_over() {
        with(message -> {
            throw new IllegalStateException("a broken connector");
        }, rig -> {
            UUID id = send(rig, "+14155550123");
            rig.drain(); // throws: retried in 1 s
            assertThat(counts(rig)).containsExactlyInAnyOrderEntriesOf(Map.of("failed", 0.0, "retrying", 1.0, "sent", 0.0));
            clock.advance(Duration.ofSeconds(1));
            rig.drain(); // again: retried in 2 s
            assertThat(counts(rig)).containsExactlyInAnyOrderEntriesOf(Map.of("failed", 0.0, "retrying", 2.0, "sent", 0.0));
            clock.advance(WINDOW); // the window is over when it throws next
            rig.drain();
            assertThat(status(rig, id)).isEqualTo("failed");
            assertThat(counts(rig)).containsExactlyInAnyOrderEntriesOf(Map.of("failed", 1.0, "retrying", 2.0, "sent", 0.0));
        });
    }

    @Test
    void a_retry_later_counts_as_retrying_and_the_end_of_the_window_as_failed() {
        with(message -> new SendResult.RetryLater("busy", Duration.ofSeconds(50)), rig -> {
            UUID id = send(rig, "+14155550123");
            rig.drain();
            clock.advance(Duration.ofSeconds(50));
            rig.drain();
            assertThat(counts(rig)).containsExactlyInAnyOrderEntriesOf(Map.of("failed", 0.0, "retrying", 2.0, "sent", 0.0));
            clock.advance(Duration.ofSeconds(50));
            rig.drain(); // 50 s more would pass the window: the last try is at its end, 2 min after acceptance
            assertThat(counts(rig)).containsExactlyInAnyOrderEntriesOf(Map.of("failed", 0.0, "retrying", 3.0, "sent", 0.0));
            clock.advance(Duration.ofSeconds(20));
            rig.drain();
            assertThat(status(rig, id)).isEqualTo("failed");
            assertThat(counts(rig)).containsExactlyInAnyOrderEntriesOf(Map.of("failed", 1.0, "retrying", 3.0, "sent", 0.0));
        });
    }
}

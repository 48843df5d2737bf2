package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.account.Principal;
import dev.msgbubbles.channel.OutboundMessage;
import dev.msgbubbles.channel.SendResult;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.queue.JobQueue;
import dev.msgbubbles.queue.Worker;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A backend that throws on every send (a bug, not an expected refusal): the send is retried with backoff while
 * its retry window lasts, then the message fails with {@code internal_error} instead of staying queued for ever.
 */
class BrokenBackendIT {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));

    @Test
    void a_send_that_keeps_throwing_fails_once_its_retry_window_is_over() {
        AtomicInteger calls = new AtomicInteger();
        RecordingChannel broken = new RecordingChannel() {
            @Override
            public SendResult send(OutboundMessage message) {
                calls.incrementAndGet();
                throw new IllegalStateException("connector bug");
            }
        };
        Duration window = Duration.ofMinutes(10);
        try (TestStore store = TestStore.sqlite(); Database db = store.open()) {
            MessagingRig rig = MessagingRig.start(db, clock, broken, EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), null,
                    window);
            Messaging messaging = rig.messaging();
            Principal principal = rig.principal();
            JobQueue queue = rig.queue();
            var created = messaging.send().send(new SendMessage.Command(principal, null, null, "+14155550123",
                    "+18005550123", null, "hello", null, null, null, null, null, null, null));
            try (Worker worker = rig.worker()) {
                worker.drain();
                assertThat(messaging.messages().get(principal, created.message().id(), false).status()).isEqualTo("queued");
                for (int minute = 0; minute < 9; minute++) {
                    clock.advance(Duration.ofMinutes(1));
                    worker.drain();
                }
                assertThat(messaging.messages().get(principal, created.message().id(), false).status())
                        .as("still inside the retry window").isEqualTo("queued");
                int triedInWindow = calls.get();
                assertThat(triedInWindow).isGreaterThan(3);
                clock.advance(Duration.ofMinutes(6));
                worker.drain();
            }
            MessageView failed = messaging.messages().get(principal, created.message().id(), true);
            assertThat(failed.status()).isEqualTo("failed");
            assertThat(failed.error().code()).isEqualTo("internal_error");
            long pending = db.read(h -> queue.pending(h));
            assertThat(pending).isZero();
        }
    }
}

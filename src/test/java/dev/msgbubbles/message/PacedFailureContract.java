package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.channel.OutboundMessage;
import dev.msgbubbles.channel.SendResult;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.queue.Worker;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * A paced send whose run threw after its booking held (a connector bug: the worker retries it after a backoff) has
 * not sent in its slot: its retry books a slot of its own, as one the backend put off does, rather than go on the old
 * booking whenever it comes back, beside the send that has the slot then.
 */
abstract class PacedFailureContract {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));

    abstract TestStore newStore();

    /** Accepts every send but the first of {@code throwsOnce}; notes when each accepted one went. */
    private final class Backend extends RecordingChannel {
        final Map<UUID, Instant> sent = new ConcurrentHashMap<>();
        volatile UUID throwsOnce;

        @Override
        public SendResult send(OutboundMessage message) {
            if (message.messageId().equals(throwsOnce)) {
                throwsOnce = null;
                throw new IllegalStateException("connector bug");
            }
            sent.put(message.messageId(), clock.instant());
            return super.send(message);
        }
    }

    private UUID send(MessagingRig rig, String to) {
        return rig.messaging().send().send(new SendMessage.Command(rig.principal(), null, null, to,
                MessagingRig.NUMBER, null, "hello", null, null, null, null, null, null, null)).message().id();
    }

    @Test
    void a_booked_send_that_threw_books_its_retry_anew() {
        Backend backend = new Backend();
        try (TestStore store = newStore(); Database db = store.open()) {
            MessagingRig rig = MessagingRig.start(db, clock, backend, EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS),
                    null, Duration.ofHours(1), 60);
            try (Worker worker = rig.worker()) {
                Instant start = clock.instant();
                send(rig, "+14155557001"); // takes the slot at 0 s
                worker.drain();
                UUID broken = send(rig, "+14155557002"); // books 1 s
                backend.throwsOnce = broken;
                worker.drain();
                send(rig, "+14155557003"); // books 2 s
                worker.drain();
                clock.advance(Duration.ofMillis(2500)); // the queue behind: 1.5 s late, it books anew at 3 s
                worker.drain();
                clock.advance(Duration.ofMillis(500)); // its booking made anew holds: it throws, retried after a backoff
                worker.drain();
                assertThat(backend.sent).doesNotContainKey(broken);
                clock.advance(Duration.ofMillis(500));
                UUID meanwhile = send(rig, "+14155557004"); // books the slot at 4 s, when the broken send is back
                worker.drain();
                clock.advance(Duration.ofMillis(500)); // 4 s: the broken send's first backoff (its one try threw) ends
                worker.drain();
                assertThat(backend.sent.get(meanwhile)).isEqualTo(start.plusSeconds(4));
                assertThat(backend.sent).as("it books a slot of its own, after the one booked meanwhile")
                        .doesNotContainKey(broken);
                clock.advance(Duration.ofSeconds(1));
                worker.drain();
                assertThat(backend.sent.get(broken)).isEqualTo(start.plusSeconds(5));
                assertThat(backend.sent).containsKey(broken);
                List<Instant> times = new ArrayList<>(backend.sent.values());
                times.sort(null);
                for (int i = 1; i < times.size(); i++) {
                    assertThat(Duration.between(times.get(i - 1), times.get(i))).as("%s", times)
                            .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
                }
            }
        }
    }
}

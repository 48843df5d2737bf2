package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.channel.ActionResult;
import dev.msgbubbles.channel.Channel;
import dev.msgbubbles.channel.ChatAction;
import dev.msgbubbles.channel.MessageAction;
import dev.msgbubbles.channel.OutboundMessage;
import dev.msgbubbles.channel.SendResult;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.event.Event;
import dev.msgbubbles.queue.Job;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.StoredEvents;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a network reports as due at one time happens in the order it listed it (DECISIONS §9: a {@code 0777} contact
 * types, then replies, and reacts), whichever worker takes which job first: at time scale 0 a contact's typing, reply
 * and like are all due at once, and workers running them side by side made the like come before the reply, or the
 * typing after it (a contact left typing for good).
 */
@Timeout(60)
class FollowUpOrderIT {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));

    /** A contact who, a second after the send, types, replies and likes it, all due at that one time. */
    static final class Chatty implements Channel {
        @Override
        public SendResult send(OutboundMessage message) {
            Duration at = Duration.ofSeconds(1);
            return new SendResult.Accepted(message.channel(), "ref", List.of(
                    new SendResult.FollowUp(at, SendResult.Signal.TYPING),
                    new SendResult.FollowUp(at, SendResult.Signal.REPLY),
                    new SendResult.FollowUp(at, SendResult.Signal.LIKE)));
        }

        @Override
        public ActionResult act(MessageAction action) {
            return new ActionResult.Done();
        }

        @Override
        public ActionResult control(ChatAction action) {
            return new ActionResult.Done();
        }

        @Override
        public boolean onIMessage(String handle) {
            return true;
        }
    }

    @Test
    void follow_ups_due_together_happen_in_the_order_listed_even_when_the_later_job_runs_first() {
        try (TestStore store = TestStore.sqlite(); Database db = store.open()) {
            MessagingRig rig = MessagingRig.start(db, clock, new Chatty(), EnumSet.of(ChannelType.IMESSAGE), null,
                    Duration.ofHours(1));
            rig.messaging().send().send(new SendMessage.Command(rig.principal(), null, "fp", "+14155550777",
                    MessagingRig.NUMBER, null, "ping", null, null, null, null, null, null, null));
            rig.drain(); // the send; its follow-ups are due a second later
            clock.advance(Duration.ofSeconds(1));

            List<Job> due = db.write(tx -> rig.queue().claim(tx, "test", 100, clock.instant(), Duration.ofMinutes(1)));
            List<Job> lastFirst = new ArrayList<>(due);
            Collections.reverse(lastFirst); // as when a second worker gets through its job before the first one
            for (Job job : lastFirst) {
                rig.messaging().jobHandlers().get(job.kind()).handle(job, clock.instant());
            }

            List<String> happened = new ArrayList<>();
            for (Event event : StoredEvents.all(db)) {
                switch (event.type()) {
                    case CONVERSATION_TYPING -> happened.add(event.payload().contains("\"typing\":true")
                            ? "typing" : "stopped typing");
                    case MESSAGE_RECEIVED, MESSAGE_REACTION -> happened.add(event.type().wire());
                    default -> {
                    }
                }
            }
            assertThat(happened).containsExactly("typing", "stopped typing", "message.received", "message.reaction");
            long left = db.read(h -> rig.queue().pendingOf(h, FollowUpJob.KIND));
            assertThat(left).isZero();
        }
    }
}

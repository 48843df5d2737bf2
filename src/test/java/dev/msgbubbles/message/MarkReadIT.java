package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.channel.ActionResult;
import dev.msgbubbles.channel.ChatAction;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/chats/:id/read} marks read what the network sent read receipts for: the messages received before it
 * was asked. One that arrives while the network is being asked was not shown to it, so it stays unread (a later call
 * marks it), rather than being marked read with no receipt ever sent for it.
 */
class MarkReadIT {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));

    /** Accepts everything; while asked to send read receipts, lets {@link #meanwhile} run (a message arriving). */
    private static final class Meanwhile extends RecordingChannel {
        volatile Runnable meanwhile = () -> { };

        @Override
        public ActionResult control(ChatAction action) {
            ActionResult result = super.control(action);
            if (action instanceof ChatAction.MarkRead) {
                meanwhile.run();
            }
            return result;
        }
    }

    @Test
    void sqlite() {
        try (TestStore store = TestStore.sqlite(); Database db = store.open()) {
            aMessageArrivingWhileTheNetworkIsAskedStaysUnread(db);
        }
    }

    @Test
    void postgresql() {
        try (TestStore store = TestStore.postgres("markread"); Database db = store.open()) {
            aMessageArrivingWhileTheNetworkIsAskedStaysUnread(db);
        }
    }

    private void aMessageArrivingWhileTheNetworkIsAskedStaysUnread(Database db) {
        Meanwhile backend = new Meanwhile();
        MessagingRig rig = MessagingRig.start(db, clock, backend, EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), null,
                Duration.ofHours(1));
        Supplier<MessageView> receive = () -> rig.messaging().receive().receive(new ReceiveMessage.Inbound(
                rig.principal().accountId(), Mode.TEST, MessagingRig.NUMBER, "+14155550009", null, "hi", ChannelType.IMESSAGE,
                null)).orElseThrow();
        MessageView before = receive.get();
        MessageView[] during = new MessageView[1];
        backend.meanwhile = () -> {
            clock.advance(Duration.ofMillis(5));
            during[0] = receive.get();
        };
        rig.messaging().controls().markRead(rig.principal(), before.conversationId());
        assertThat(readAt(rig, before)).as("received before the network was asked").isNotNull();
        assertThat(readAt(rig, during[0])).as("arrived while it was asked").isNull();

        backend.meanwhile = () -> { };
        clock.advance(Duration.ofMillis(5));
        rig.messaging().controls().markRead(rig.principal(), before.conversationId());
        assertThat(readAt(rig, during[0])).as("the next call marks it").isNotNull();
    }

    private static Object readAt(MessagingRig rig, MessageView message) {
        return rig.messaging().messages().get(rig.principal(), message.id(), false).readAt();
    }
}

package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.channel.MessageAction;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** What the backend is told of actions on messages, with a recording channel standing in for it. */
class ActionJobIT {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));

    @Test
    void a_reaction_to_a_received_message_goes_out_from_our_number_to_the_backend() {
        RecordingChannel backend = new RecordingChannel();
        try (TestStore store = TestStore.sqlite(); Database db = store.open()) {
            MessagingRig rig = MessagingRig.start(db, clock, backend, EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), null,
                    Duration.ofHours(1));
            MessageView received = rig.messaging().receive().receive(new ReceiveMessage.Inbound(rig.principal().accountId(),
                    Mode.TEST, MessagingRig.NUMBER, "+14155550009", null, "hi there", ChannelType.IMESSAGE, null)).orElseThrow();
            rig.messaging().actions().react(rig.principal(), received.id(), "love", false);
            rig.drain();
            assertThat(backend.acted).containsExactly(new MessageAction.React(received.id(), "love", false));
            // and, as before, one on our own message
            backend.acted.clear();
            MessageView sent = rig.messaging().send().send(new SendMessage.Command(rig.principal(), null, null,
                    "+14155550009", MessagingRig.NUMBER, null, "ours", null, null, null, null, null, null, null)).message();
            rig.drain();
            rig.messaging().actions().edit(rig.principal(), sent.id(), "ours, edited");
            rig.drain();
            assertThat(backend.acted).containsExactly(new MessageAction.Edit(sent.id(), "ours, edited"));
        }
    }
}

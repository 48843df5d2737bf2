package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.msgbubbles.account.Account;
import dev.msgbubbles.account.AccountAdmin;
import dev.msgbubbles.account.NumberDirectory;
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

    private MessagingRig rig(Database db, RecordingChannel backend) {
        return MessagingRig.start(db, clock, backend, EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), null,
                Duration.ofHours(1));
    }

    /** An iMessage a contact sent to the rig's number. */
    private static MessageView received(MessagingRig rig) {
        return rig.messaging().receive().receive(new ReceiveMessage.Inbound(rig.principal().accountId(), Mode.TEST,
                MessagingRig.NUMBER, "+14155550009", null, "hi there", ChannelType.IMESSAGE, null)).orElseThrow();
    }

    @Test
    void a_reaction_to_a_received_message_goes_out_from_our_number_to_the_backend() {
        RecordingChannel backend = new RecordingChannel();
        try (TestStore store = TestStore.sqlite(); Database db = store.open()) {
            MessagingRig rig = rig(db, backend);
            MessageView received = received(rig);
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

    /**
     * A reaction, edit or unsend accepted before its account was suspended does not reach the backend afterwards, as
     * a suspended account's waiting sends do not: its timeline says why. Before, the queued action went out regardless.
     */
    @Test
    void an_action_queued_before_the_account_was_suspended_is_not_carried_out() {
        RecordingChannel backend = new RecordingChannel();
        try (TestStore store = TestStore.sqlite(); Database db = store.open()) {
            MessagingRig rig = rig(db, backend);
            MessageView received = received(rig);
            rig.drain();
            rig.messaging().actions().react(rig.principal(), received.id(), "love", false);
            new AccountAdmin(db, clock).setStatus(rig.principal().accountId(), Account.Status.SUSPENDED);
            clock.advance(NumberDirectory.CACHE_TTL); // what the server has cached of the account expires
            rig.drain();

            assertThat(backend.acted).isEmpty();
            assertThat(rig.messaging().messages().get(rig.principal(), received.id(), true).timeline())
                    .extracting(MessageView.TimelineEntry::detail).contains("react_failed: account_suspended");
            assertThat(db.<Long>read(h -> rig.queue().pendingOf(h, ActionJob.KIND)))
                    .as("the action's job is done with, not retried").isZero();
        }
    }

    @Test
    void a_reaction_to_a_message_not_carried_yet_is_refused_for_its_status_not_its_channel() {
        try (TestStore store = TestStore.sqlite(); Database db = store.open()) {
            MessagingRig rig = MessagingRig.start(db, clock, new RecordingChannel(),
                    EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), null, Duration.ofHours(1));
            MessageView queued = rig.messaging().send().send(new SendMessage.Command(rig.principal(), null, null,
                    "+14155550009", MessagingRig.NUMBER, null, "not yet out", null, null, null, null, null, null, null)).message();
            // queued: no channel yet, which is no reason to call it a message of the wrong kind
            assertThatThrownBy(() -> rig.messaging().actions().react(rig.principal(), queued.id(), "love", false))
                    .isInstanceOfSatisfying(dev.msgbubbles.common.ApiException.class, e -> {
                        assertThat(e.code()).isEqualTo(dev.msgbubbles.common.ErrorCode.CONFLICT);
                        assertThat(e.getMessage()).contains("once delivered").contains("queued");
                    });
        }
    }
}

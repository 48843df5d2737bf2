package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.account.Principal;
import dev.msgbubbles.channel.ChatAction;
import dev.msgbubbles.channel.OutboundMessage;
import dev.msgbubbles.chat.ChatView;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.queue.Worker;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What the backend is asked for thread operations, with a recording channel standing in for it: the group as it
 * is, the thread's channel, and typing repeats answered without asking again.
 */
class ThreadControlsIT {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));

    @Test
    void the_backend_sees_the_group_as_it_is_and_typing_repeats_are_not_sent_again() {
        RecordingChannel backend = new RecordingChannel();
        try (TestStore store = TestStore.sqlite(); Database db = store.open()) {
            MessagingRig rig = MessagingRig.start(db, clock, backend, EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), null,
                    Duration.ofHours(1));
            Messaging messaging = rig.messaging();
            Principal principal = rig.principal();
            var created = messaging.groups().create(new GroupChats.Create(principal, null, null, "+18005550123",
                    List.of("+14155550001", "+14155550002"), "hello", "Crew"));
            ChatView group = created.chat();
            try (Worker worker = rig.worker()) {
                worker.drain();
                // the first message creates the group on the network: members and title travel with it
                OutboundMessage first = (OutboundMessage) backend.asked.getFirst();
                assertThat(first.to()).isNull();
                assertThat(first.group().established()).isFalse();
                assertThat(first.group().participants()).containsExactly("+14155550001", "+14155550002");
                assertThat(first.group().title()).isEqualTo("Crew");

                messaging.groups().addParticipant(principal, group.id(), "+14155550003");
                messaging.send().send(new SendMessage.Command(principal, null, null, null, null, group.id(), "later", null,
                        null, null, null, null, null, null));
                worker.drain();
                OutboundMessage later = (OutboundMessage) backend.asked.getLast();
                assertThat(later.group().established()).isTrue();
                assertThat(later.group().participants()).containsExactly("+14155550001", "+14155550002", "+14155550003");
            }
            ChatAction.AddParticipant add = (ChatAction.AddParticipant) backend.asked.get(1);
            assertThat(add.handle()).isEqualTo("+14155550003");
            assertThat(add.thread().participants()).containsExactly("+14155550001", "+14155550002");
            assertThat(add.thread().channel()).isEqualTo(ChannelType.IMESSAGE);

            backend.asked.clear();
            messaging.controls().typing(principal, group.id(), true);
            clock.advance(Duration.ofSeconds(2));
            messaging.controls().typing(principal, group.id(), true); // a repeat: the bubble is still showing
            assertThat(backend.asked).hasSize(1);
            messaging.controls().typing(principal, group.id(), false);
            assertThat(backend.asked).hasSize(2);
            clock.advance(Duration.ofSeconds(1));
            messaging.controls().typing(principal, group.id(), true);
            clock.advance(ThreadControls.TYPING_REPEAT);
            messaging.controls().typing(principal, group.id(), true); // long enough: told again, to keep it showing
            assertThat(backend.asked).extracting(a -> ((ChatAction.Typing) a).typing()).containsExactly(true, false, true, true);

            messaging.controls().markRead(principal, group.id());
            assertThat(backend.asked.getLast()).isInstanceOf(ChatAction.MarkRead.class);
        }
    }

    /**
     * Sending a message into a chat ends our typing bubble there (BlueBubbles stops it when a message is sent, WhatsApp
     * when we reply): a typing request after our message was sent is no repeat, even within {@link
     * ThreadControls#TYPING_REPEAT} of the last one, or a bot that types, replies and types again for its next answer
     * would show no bubble the second time.
     */
    @Test
    void typing_again_after_our_message_went_out_is_told_to_the_network() {
        RecordingChannel backend = new RecordingChannel();
        try (TestStore store = TestStore.sqlite(); Database db = store.open()) {
            MessagingRig rig = MessagingRig.start(db, clock, backend, EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), null,
                    Duration.ofHours(1));
            Messaging messaging = rig.messaging();
            Principal principal = rig.principal();
            try (Worker worker = rig.worker()) {
                UUID thread = messaging.send().send(new SendMessage.Command(principal, null, null, "+14155550001",
                        MessagingRig.NUMBER, null, "hello", null, null, null, null, null, null, null)).message().conversationId();
                worker.drain();
                clock.advance(Duration.ofSeconds(1));
                messaging.controls().typing(principal, thread, true);
                clock.advance(Duration.ofSeconds(1));
                messaging.send().send(new SendMessage.Command(principal, null, null, null, null, thread, "the answer", null,
                        null, null, null, null, null, null));
                worker.drain(); // sent: the bubble is gone on the contact's side
                clock.advance(Duration.ofSeconds(1));
                messaging.controls().typing(principal, thread, true); // typing the next answer
            }
            assertThat(backend.asked).filteredOn(a -> a instanceof ChatAction.Typing).hasSize(2);
        }
    }
}

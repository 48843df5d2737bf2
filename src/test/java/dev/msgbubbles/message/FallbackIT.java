package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.account.Principal;
import dev.msgbubbles.channel.ActionResult;
import dev.msgbubbles.channel.Channel;
import dev.msgbubbles.channel.MessageAction;
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
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A backend that believes a handle is on iMessage but then refuses it as not registered: the send falls back to
 * SMS once, and the timeline says so. A scripted channel stands in for the backend.
 */
class FallbackIT {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));

    /** Records every send; refuses iMessage as not registered, accepts SMS. */
    static class StaleRegistry implements Channel {
        final List<ChannelType> asked = new CopyOnWriteArrayList<>();
        final List<OutboundMessage> messages = new CopyOnWriteArrayList<>();

        @Override
        public SendResult send(OutboundMessage message) {
            asked.add(message.channel());
            messages.add(message);
            return message.channel() == ChannelType.IMESSAGE
                    ? new SendResult.Rejected("not_registered", "handle de-registered from iMessage")
                    : new SendResult.Accepted(message.channel(), "ref", List.of());
        }

        @Override
        public ActionResult act(MessageAction action) {
            return new ActionResult.Done();
        }

        @Override
        public ActionResult control(dev.msgbubbles.channel.ChatAction action) {
            return new ActionResult.Done();
        }

        @Override
        public boolean onIMessage(String handle) {
            return true;
        }
    }

    @Test
    void an_imessage_refused_as_not_registered_falls_back_to_sms_once() {
        StaleRegistry backend = new StaleRegistry();
        try (TestStore store = TestStore.sqlite(); Database db = store.open()) {
            MessagingRig rig = MessagingRig.start(db, clock, backend, EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), null,
                    Duration.ofHours(1));
            Messaging messaging = rig.messaging();
            Principal principal = rig.principal();
            var created = messaging.send().send(new SendMessage.Command(principal, null, "fp", "+14155550123", MessagingRig.NUMBER,
                    null, "hello", null, null, null, null, null, null, null));
            rig.drain();
            MessageView sent = messaging.messages().get(principal, created.message().id(), true);
            assertThat(sent.status()).isEqualTo("sent");
            assertThat(sent.channel()).isEqualTo("sms");
            assertThat(backend.asked).containsExactly(ChannelType.IMESSAGE, ChannelType.SMS);
            assertThat(sent.timeline()).last().satisfies(t -> {
                assertThat(t.channel()).isEqualTo("sms");
                assertThat(t.detail()).startsWith("fallback from imessage");
            });
        }
    }

    /**
     * When the SMS it fell back to refuses the message too, the message fails with SMS's reason, and its timeline still
     * shows the fallback (DECISIONS §7): the failed step is on SMS and says what iMessage answered.
     */
    @Test
    void a_fallback_that_sms_refuses_too_fails_and_the_timeline_still_shows_the_fallback() {
        StaleRegistry backend = new StaleRegistry() {
            @Override
            public SendResult send(OutboundMessage message) {
                SendResult first = super.send(message);
                return message.channel() == ChannelType.SMS
                        ? new SendResult.Rejected("recipient_unreachable", "the carrier refused the number") : first;
            }
        };
        try (TestStore store = TestStore.sqlite(); Database db = store.open()) {
            MessagingRig rig = MessagingRig.start(db, clock, backend, EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS),
                    null, Duration.ofHours(1));
            var created = rig.messaging().send().send(new SendMessage.Command(rig.principal(), null, "fp",
                    "+14155550123", MessagingRig.NUMBER, null, "hello", null, null, null, null, null, null, null));
            rig.drain();
            MessageView failed = rig.messaging().messages().get(rig.principal(), created.message().id(), true);
            assertThat(failed.status()).isEqualTo("failed");
            assertThat(backend.asked).containsExactly(ChannelType.IMESSAGE, ChannelType.SMS);
            assertThat(failed.timeline()).last().satisfies(t -> {
                assertThat(t.status()).isEqualTo("failed");
                assertThat(t.channel()).isEqualTo("sms");
                assertThat(t.detail()).startsWith("recipient_unreachable").contains("fallback from imessage");
            });
        }
    }

    /**
     * A threaded reply reaches the backend as one (its {@code replyTo}) on iMessage; fallen back to SMS, which has no
     * replies, it goes as a plain text, without the reply or the effect. Before, no connector was told of replies.
     */
    @Test
    void a_reply_goes_to_the_backend_as_one_on_imessage_and_as_plain_text_on_sms() {
        StaleRegistry backend = new StaleRegistry();
        try (TestStore store = TestStore.sqlite(); Database db = store.open()) {
            MessagingRig rig = MessagingRig.start(db, clock, backend, EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), null,
                    Duration.ofHours(1));
            var first = rig.messaging().send().send(new SendMessage.Command(rig.principal(), null, "fp1", "+14155550123",
                    MessagingRig.NUMBER, null, "hello", null, null, null, null, null, null, null)).message();
            rig.drain();
            backend.messages.clear();
            rig.messaging().send().send(new SendMessage.Command(rig.principal(), null, "fp2", "+14155550123",
                    MessagingRig.NUMBER, null, "and this", null, first.id(), "slam", null, null, null, null));
            rig.drain();
            assertThat(backend.messages).extracting(OutboundMessage::channel, OutboundMessage::replyTo, OutboundMessage::effect)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(ChannelType.IMESSAGE, first.id(), "slam"),
                            org.assertj.core.groups.Tuple.tuple(ChannelType.SMS, null, null));
        }
    }
}

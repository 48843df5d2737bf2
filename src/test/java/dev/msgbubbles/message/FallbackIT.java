package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.account.AccountAdmin;
import dev.msgbubbles.account.CreatedAccount;
import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.account.Principal;
import dev.msgbubbles.account.Provider;
import dev.msgbubbles.channel.ActionResult;
import dev.msgbubbles.channel.Channel;
import dev.msgbubbles.channel.MessageAction;
import dev.msgbubbles.channel.OutboundMessage;
import dev.msgbubbles.channel.SendResult;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.idempotency.IdempotencyStore;
import dev.msgbubbles.queue.JobQueue;
import dev.msgbubbles.queue.Worker;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A backend that believes a handle is on iMessage but then refuses it as not registered: the send falls back to
 * SMS once, and the timeline says so. A scripted channel stands in for the backend.
 */
class FallbackIT {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));

    /** Records every send; refuses iMessage as not registered, accepts SMS. */
    static final class StaleRegistry implements Channel {
        final List<ChannelType> asked = new CopyOnWriteArrayList<>();

        @Override
        public SendResult send(OutboundMessage message) {
            asked.add(message.channel());
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
            NumberDirectory numbers = new NumberDirectory(db, clock);
            CreatedAccount account = new AccountAdmin(db, clock).create("fallback");
            numbers.add(new NumberDirectory.NewNumber(account.account().id(), "+18005550123",
                    EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), Mode.TEST, Provider.SANDBOX, null));
            JobQueue queue = new JobQueue(db);
            Messaging messaging = new Messaging(new Messaging.Dependencies(db, db, clock, numbers,
                    new IdempotencyStore(clock, Duration.ofHours(72)), queue, new ChannelRouter(backend, Map.of()),
                    new dev.msgbubbles.event.EventLog(dev.msgbubbles.event.EventLog.Fanout.NONE), null),
                    new Messaging.Policy(Duration.ofHours(1), 0, 0));
            Principal principal = new Principal(account.account().id(), Mode.TEST, account.testKey().id());
            var created = messaging.send().send(new SendMessage.Command(principal, null, "fp", "+14155550123", "+18005550123",
                    null, "hello", null, null, null, null, null, null, null));
            try (Worker worker = new Worker(db, queue, messaging.jobHandlers(), clock,
                    new Worker.Settings(8, Duration.ofSeconds(30), Duration.ofMillis(50)))) {
                worker.drain();
            }
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
}
